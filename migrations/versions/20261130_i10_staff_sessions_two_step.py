"""staff sessions and two-step sign-in: server-side session rows, TOTP columns, single-use recovery codes

Revision ID: i10
Revises: 0003
Create Date: 2026-11-30 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "i10"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on both databases, no table rebuild.
    op.add_column("staff_user", sa.Column("totp_secret", sa.String(length=64), nullable=True))
    op.add_column("staff_user", sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.add_column("staff_user", sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "staff_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_session_user_id_staff_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_session")),
    )
    op.create_index(op.f("ix_staff_session_user_id"), "staff_session", ["user_id"])
    op.create_table(
        "staff_recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_recovery_code_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_recovery_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_staff_recovery_code_code_hash")),
    )
    op.create_index(op.f("ix_staff_recovery_code_user_id"), "staff_recovery_code", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_recovery_code_user_id"), table_name="staff_recovery_code")
    op.drop_table("staff_recovery_code")
    op.drop_index(op.f("ix_staff_session_user_id"), table_name="staff_session")
    op.drop_table("staff_session")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("totp_enrolled_at")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_secret")
