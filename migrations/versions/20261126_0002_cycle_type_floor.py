"""cycle type floor: the responses each respondent type needs at least, set per cycle

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:13:55
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.add_column(sa.Column("type_floor", sa.Integer(), server_default="10", nullable=False))
        batch_op.create_check_constraint(op.f("ck_cycle_type_floor_non_negative"), "type_floor >= 0")


def downgrade() -> None:
    with op.batch_alter_table("cycle", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_cycle_type_floor_non_negative"), type_="check")
        batch_op.drop_column("type_floor")
