"""Public survey links: the two poster links of a cycle and office, and the office's channel links (LINE, Facebook,
website, counter kiosk, named events). Every kind is signed, short-coded and revoked the same way: by bumping the
version."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import Audience, LinkChannel, check_in

LABEL_LENGTH = 80  # an event's name


class SurveyLink(Base):
    """A public survey link. A token is valid only for the link's current version.

    A poster link (``channel`` ``poster``) has an ``audience``, which pre-selects the respondent type; one exists per
    cycle × office × audience. A channel link has no audience (anyone may come through it) and one exists per
    cycle × office × channel × ``label`` (an event's name; empty for the other channels).
    """

    __tablename__ = "survey_link"
    __table_args__ = (
        check_in("audience", Audience),
        check_in("channel", LinkChannel),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "(channel = 'poster' AND audience IS NOT NULL AND label = '') "
            "OR (channel <> 'poster' AND audience IS NULL)",
            name="audience_of_posters",
        ),
        CheckConstraint("(channel = 'event') = (label <> '')", name="events_are_named"),
        Index(
            "uq_survey_link_poster",
            "cycle_id",
            "office_code",
            "audience",
            unique=True,
            sqlite_where=text("channel = 'poster'"),
            postgresql_where=text("channel = 'poster'"),
        ),
        Index(
            "uq_survey_link_channel",
            "cycle_id",
            "office_code",
            "channel",
            "label",
            unique=True,
            sqlite_where=text("channel <> 'poster'"),
            postgresql_where=text("channel <> 'poster'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    channel: Mapped[str] = mapped_column(String(10), default=LinkChannel.POSTER.value)
    audience: Mapped[str | None] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(LABEL_LENGTH), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
