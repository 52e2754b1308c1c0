"""The 76 provincial industry offices, keyed by the province's standard two-digit code."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from .enums import Region, check_in


class Office(Base):
    """One provincial industry office (สำนักงานอุตสาหกรรมจังหวัด)."""

    __tablename__ = "office"
    __table_args__ = (
        check_in("region", Region),
        CheckConstraint("length(code) = 2", name="code_two_digits"),
    )

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    province_th: Mapped[str] = mapped_column(String(100))
    province_en: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(20))

    def name(self, locale: str) -> str:
        """The office's name in ``locale`` (Thai unless English is asked for)."""
        return self.name_en if locale == "en" else self.name_th
