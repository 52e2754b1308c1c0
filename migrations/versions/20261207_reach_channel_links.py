"""channel links: survey links for LINE, Facebook, the office website, a counter kiosk and named events; kiosk
answers per hour

``survey_link`` gains ``channel`` (existing rows are posters) and ``label`` (an event's name); ``audience`` becomes
empty for channel links, and the one-link-per-audience rule becomes two partial unique indexes (posters per
audience, channel links per channel and label). ``response.channel`` accepts the new channels. ``kiosk_hour``
counts the kiosk answers of each office per Bangkok hour (the kiosk's integrity signal).

On SQLite both tables are rebuilt (batch mode) to change their CHECK constraints: ``response`` keeps its
WITHOUT ROWID, and its partial indexes are dropped before and created again after the copy.

Revision ID: r23
Revises: i13
Create Date: 2026-12-07 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "r23"
down_revision: str | None = "i13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHANNELS = "channel IN ('poster', 'email')"
NEW_CHANNELS = "channel IN ('poster', 'email', 'line', 'facebook', 'website', 'kiosk', 'event')"
LINK_CHANNELS = "channel IN ('poster', 'line', 'facebook', 'website', 'kiosk', 'event')"
AUDIENCE_OF_POSTERS = (
    "(channel = 'poster' AND audience IS NOT NULL AND label = '') OR (channel <> 'poster' AND audience IS NULL)"
)
EVENTS_ARE_NAMED = "(channel = 'event') = (label <> '')"
PARTIAL = {
    "ix_response_demo": (["cycle_id"], "is_demo"),
    "ix_response_unreleased": (["cycle_id", "office_code"], "NOT released"),
}


def _response_channels(old: str, new: str) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in PARTIAL:
            op.drop_index(name, table_name="response")
    with op.batch_alter_table(
        "response", recreate="always" if sqlite else "never", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_constraint(op.f("ck_response_channel_valid"), type_="check")
        batch_op.create_check_constraint(op.f("ck_response_channel_valid"), sa.text(new))
    if sqlite:
        for name, (columns, where) in PARTIAL.items():
            op.create_index(name, "response", columns, sqlite_where=sa.text(where))


def upgrade() -> None:
    with op.batch_alter_table("survey_link") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(10), server_default="poster", nullable=False))
        batch_op.add_column(sa.Column("label", sa.String(80), server_default="", nullable=False))
        batch_op.alter_column("audience", existing_type=sa.String(10), nullable=True)
        batch_op.drop_constraint(op.f("uq_survey_link_cycle_id_office_code_audience"), type_="unique")
        batch_op.create_check_constraint(op.f("ck_survey_link_channel_valid"), sa.text(LINK_CHANNELS))
        batch_op.create_check_constraint(op.f("ck_survey_link_audience_of_posters"), sa.text(AUDIENCE_OF_POSTERS))
        batch_op.create_check_constraint(op.f("ck_survey_link_events_are_named"), sa.text(EVENTS_ARE_NAMED))
    with op.batch_alter_table("survey_link") as batch_op:  # like the model: no database defaults
        batch_op.alter_column("channel", server_default=None)
        batch_op.alter_column("label", server_default=None)
    for name, columns, where in (
        ("uq_survey_link_poster", ["cycle_id", "office_code", "audience"], "channel = 'poster'"),
        ("uq_survey_link_channel", ["cycle_id", "office_code", "channel", "label"], "channel <> 'poster'"),
    ):
        op.create_index(
            name, "survey_link", columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where)
        )
    _response_channels(OLD_CHANNELS, NEW_CHANNELS)
    op.create_table(
        "kiosk_hour",
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(2), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.CheckConstraint("hour >= 0 AND hour <= 23", name=op.f("ck_kiosk_hour_hour_range")),
        sa.CheckConstraint("answers >= 1", name=op.f("ck_kiosk_hour_answers_positive")),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycle.id"], name=op.f("fk_kiosk_hour_cycle_id_cycle"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["office_code"], ["office.code"], name=op.f("fk_kiosk_hour_office_code_office")),
        sa.PrimaryKeyConstraint("cycle_id", "office_code", "day", "hour", name=op.f("pk_kiosk_hour")),
    )


def downgrade() -> None:
    op.drop_table("kiosk_hour")
    # Responses and links of the new channels have no place in the old schema: they are removed.
    op.execute("DELETE FROM response WHERE channel NOT IN ('poster', 'email')")
    op.execute("DELETE FROM survey_link WHERE channel <> 'poster'")
    _response_channels(NEW_CHANNELS, OLD_CHANNELS)
    op.drop_index("uq_survey_link_channel", table_name="survey_link")
    op.drop_index("uq_survey_link_poster", table_name="survey_link")
    with op.batch_alter_table("survey_link") as batch_op:
        batch_op.drop_constraint(op.f("ck_survey_link_events_are_named"), type_="check")
        batch_op.drop_constraint(op.f("ck_survey_link_audience_of_posters"), type_="check")
        batch_op.drop_constraint(op.f("ck_survey_link_channel_valid"), type_="check")
        batch_op.create_unique_constraint(
            "uq_survey_link_cycle_id_office_code_audience", ["cycle_id", "office_code", "audience"]
        )
        batch_op.alter_column("audience", existing_type=sa.String(10), nullable=False)
        batch_op.drop_column("label")
        batch_op.drop_column("channel")
