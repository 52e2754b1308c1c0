"""cell stat low and high: each cell's smallest and largest value, so identical answers give an SE of exactly 0

Rows written before this revision get the ends of the scale, 0 and 100: bounds that are true but never equal,
so those cells are treated as having spread until ``survey-app stats rebuild`` writes their real extremes.

Revision ID: i11
Revises: i10
Create Date: 2026-11-30 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i11"
down_revision: str | None = "i10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cell_stat", schema=None) as batch_op:
        batch_op.add_column(sa.Column("low", sa.Float(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("high", sa.Float(), server_default="100", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("cell_stat", schema=None) as batch_op:
        batch_op.drop_column("high")
        batch_op.drop_column("low")
