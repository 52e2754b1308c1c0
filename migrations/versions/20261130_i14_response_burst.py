"""response burst: the data-quality flag for one of too many submissions from one source on one day

Revision ID: i14
Revises: i11
Create Date: 2026-11-30 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i14"
down_revision: str | None = "i11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows get false through a temporary server default, removed again: like the other flags, the
    # column has no database default (nothing may be stamped on a response by the database).
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("burst", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.alter_column("burst", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("burst")
