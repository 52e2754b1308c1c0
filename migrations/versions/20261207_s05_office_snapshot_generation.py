"""snapshot_office_generation: an office's own snapshot generation, for a change of that office's results alone

A population frame changes one office's weights, yet it started a new generation for the whole cycle: every office's
snapshot was computed again by the next page that needed them all (an office page ranks its office among every
office), 4.5 s at 76 offices and 52 s at 1,000 — past the 35 s nginx waits for an answer. An office's snapshots are now
keyed by the sum of the cycle's generation and its own; ``snapshot_generation.renewals`` counts the offices' own
generations started, so one row still names every office's snapshot state.

Revision ID: s05
Revises: s04
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s05"
down_revision: str | None = "s04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snapshot_office_generation",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=2), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"],
                                name=op.f("fk_snapshot_office_generation_cycle_id_cycle"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"],
                                name=op.f("fk_snapshot_office_generation_office_code_office")),
        sa.PrimaryKeyConstraint("cycle_id", "office_code", name=op.f("pk_snapshot_office_generation")),
    )  # fmt: skip
    with op.batch_alter_table("snapshot_generation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewals", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("snapshot_generation", schema=None) as batch_op:
        batch_op.drop_column("renewals")
    op.drop_table("snapshot_office_generation")
