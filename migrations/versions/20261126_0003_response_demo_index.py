"""response demo index: a partial index on demo responses, so staff pages can say a cycle holds demo data

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_response_demo",
        "response",
        ["cycle_id"],
        sqlite_where=sa.text("is_demo"),
        postgresql_where=sa.text("is_demo"),
    )


def downgrade() -> None:
    op.drop_index("ix_response_demo", table_name="response")
