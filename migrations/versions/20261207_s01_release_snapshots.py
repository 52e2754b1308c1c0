"""release snapshots: response release batch and date, result_snapshot, snapshot_generation

Revision ID: s01
Revises: r23
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s01"
down_revision: str | None = "r23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("release_batch", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("released_on", sa.Date(), nullable=True))
    op.create_table(
        "result_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=2), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], name=op.f("fk_result_snapshot_cycle_id_cycle"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"],
                                name=op.f("fk_result_snapshot_office_code_office")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_snapshot")),
        sa.UniqueConstraint("cycle_id", "office_code", "generation", "k", "released",
                            name=op.f("uq_result_snapshot_cycle_id_office_code_generation_k_released")),
    )  # fmt: skip
    op.create_table(
        "snapshot_generation",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], name=op.f("fk_snapshot_generation_cycle_id_cycle"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cycle_id", name=op.f("pk_snapshot_generation")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("snapshot_generation")
    op.drop_table("result_snapshot")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("released_on")
        batch_op.drop_column("release_batch")
