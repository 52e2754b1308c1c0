"""cell_stat: a partial index of the EIT rows by office with their sums, so the released count of every office (the
state a release snapshot rests on) and every office's EIT sums (peers) are each one index-only scan

Revision ID: s02
Revises: s01
Create Date: 2026-12-07 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s02"
down_revision: str | None = "s01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cell_stat_eit",
        "cell_stat",
        ["cycle_id", "office_code", "n", "total", "total_sq"],
        postgresql_where=sa.text("measure = 'EIT'"),
        sqlite_where=sa.text("measure = 'EIT'"),
    )


def downgrade() -> None:
    op.drop_index("ix_cell_stat_eit", table_name="cell_stat")
