"""Poster links: one per cycle, office and audience, revoked by bumping the version."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import Audience, check_in


class SurveyLink(Base):
    """A public survey link printed on posters. A token is valid only for the link's current version."""

    __tablename__ = "survey_link"
    __table_args__ = (
        UniqueConstraint("cycle_id", "office_code", "audience"),
        check_in("audience", Audience),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    audience: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
