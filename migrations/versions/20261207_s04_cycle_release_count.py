"""snapshot_generation.releases: the cycle's releases counted, so one row names every office's snapshot state

A page that shows a figure made from every office's snapshot (the peers' ranks on the office page) kept it by each
office's released count, read on every request: 9.5 ms at 1,000 offices, a third of the page. A release adds one
here in its transaction, so (generation, releases) changes exactly when some office's released count can.

Revision ID: s04
Revises: s03
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s04"
down_revision: str | None = "s03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot_generation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("releases", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("snapshot_generation", schema=None) as batch_op:
        batch_op.drop_column("releases")
