"""Counter kiosk answers per office and Bangkok hour: the integrity signal of the kiosk channel reads these.

Kiosk answers are exempt from the per-device burst rule (one tablet serves everyone at the counter), so a flood
from the tablet is watched here instead: how many kiosk answers an office received in each hour. The table holds
counts only; no row names a response, and a response row still holds only its date. It is read by the integrity
page of the ministry's anti-corruption centre, never by an office.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, SmallInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class KioskHour(Base):
    """How many kiosk answers one office stored in one Bangkok hour of one day."""

    __tablename__ = "kiosk_hour"
    __table_args__ = (
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("answers >= 1", name="answers_positive"),
    )

    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("office.code"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)
