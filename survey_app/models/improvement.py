"""What offices do with their results: the official ITA results imported beside the survey's estimate, and the
measures an office plans against the items that cost it the most (staff records, not respondents' data)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import check_in


class MeasureStatus(StrEnum):
    """Where an improvement measure stands."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class OfficialResult(Base):
    """One office's official ITA scores for a fiscal year (Buddhist era), as the commission published them."""

    __tablename__ = "official_result"
    __table_args__ = (
        Unique("fiscal_year", "office_code"),
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_buddhist"),
        CheckConstraint("eit >= 0 AND eit <= 100", name="eit_range"),
        CheckConstraint("iit IS NULL OR (iit >= 0 AND iit <= 100)", name="iit_range"),
        CheckConstraint("oit IS NULL OR (oit >= 0 AND oit <= 100)", name="oit_range"),
        CheckConstraint("total IS NULL OR (total >= 0 AND total <= 100)", name="total_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    eit: Mapped[float] = mapped_column(Float)
    iit: Mapped[float | None] = mapped_column(Float)
    oit: Mapped[float | None] = mapped_column(Float)
    total: Mapped[float | None] = mapped_column(Float)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ImprovementMeasure(Base):
    """A measure an office takes against one item: what, who, by when, and how far it has got."""

    __tablename__ = "improvement_measure"
    __table_args__ = (
        check_in("status", MeasureStatus),
        CheckConstraint("length(action) BETWEEN 1 AND 1000", name="action_length"),
        Index("ix_improvement_measure_cycle_office", "cycle_id", "office_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    item: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=MeasureStatus.PLANNED.value)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SuggestionTheme(Base):
    """A theme staff name once and reuse: suggestions containing any of its keywords count toward it."""

    __tablename__ = "suggestion_theme"
    __table_args__ = (
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
        CheckConstraint("length(keywords) BETWEEN 1 AND 1000", name="keywords_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    keywords: Mapped[str] = mapped_column(Text, doc="comma-separated words or phrases")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def keyword_list(self) -> list[str]:
        """The keywords, trimmed, without empty ones."""
        return [k.strip() for k in self.keywords.split(",") if k.strip()]
