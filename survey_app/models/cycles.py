"""Assessment cycles and the population frames that say whom each office served in a cycle."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import CycleState, RespondentType, SamplingMethod, check_in


class Cycle(Base):
    """One assessment round: questionnaire version, dates, state and sampling policy."""

    __tablename__ = "cycle"
    __table_args__ = (
        check_in("state", CycleState),
        check_in("sampling_method", SamplingMethod),
        CheckConstraint("opens_on <= closes_on", name="dates_ordered"),
        CheckConstraint("min_sample >= 1", name="min_sample_positive"),
        CheckConstraint("type_floor >= 0", name="type_floor_non_negative"),
        CheckConstraint("confidence > 0 AND confidence < 1", name="confidence_range"),
        CheckConstraint("margin > 0 AND margin < 1", name="margin_range"),
        CheckConstraint("fiscal_year BETWEEN 2500 AND 2700", name="fiscal_year_buddhist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, doc="Thai fiscal year in the Buddhist era, e.g. 2569")
    questionnaire_id: Mapped[str] = mapped_column(String(40))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10), default=CycleState.DRAFT.value)
    min_sample: Mapped[int] = mapped_column(Integer, default=100)
    type_floor: Mapped[int] = mapped_column(
        Integer, default=10, server_default="10", doc="responses each respondent type needs at least"
    )
    sampling_method: Mapped[str] = mapped_column(String(20), default=SamplingMethod.KREJCIE_MORGAN.value)
    confidence: Mapped[float] = mapped_column(Float, default=0.95)
    margin: Mapped[float] = mapped_column(Float, default=0.05)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    def is_accepting(self, today: dt.date) -> bool:
        """Whether respondents may answer today."""
        return self.state == CycleState.OPEN and self.opens_on <= today <= self.closes_on


class PopulationFrame(Base):
    """How many people of one respondent type an office served through one service in a cycle."""

    __tablename__ = "population_frame"
    __table_args__ = (
        UniqueConstraint("cycle_id", "office_code", "respondent_type", "service"),
        check_in("respondent_type", RespondentType),
        CheckConstraint("served >= 0", name="served_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"))
    respondent_type: Mapped[str] = mapped_column(String(20))
    service: Mapped[str] = mapped_column(String(40))
    served: Mapped[int] = mapped_column(Integer)
