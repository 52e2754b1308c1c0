"""response released: answers reach staff only in batches of at least K responses per office

Adds ``response.released`` (existing responses are already in the rollup, so they start released) and a partial
index on the unreleased ones, which a submission counts to know when its office's batch is complete.

Revision ID: i09
Revises: i14
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i09"
down_revision: str | None = "i14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: on SQLite a batch rebuild would lose the table's WITHOUT ROWID.
    op.add_column("response", sa.Column("released", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_index(
        "ix_response_unreleased",
        "response",
        ["cycle_id", "office_code"],
        sqlite_where=sa.text("NOT released"),
        postgresql_where=sa.text("NOT released"),
    )


def downgrade() -> None:
    # Unreleased responses are not in cell_stat: run `survey-app stats rebuild` after downgrading to count them.
    op.drop_index("ix_response_unreleased", table_name="response")
    with op.batch_alter_table("response", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("released")
