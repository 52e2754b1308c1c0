"""The ITA's bands for a score: pass mark, excellent, the post-2024 EIT labels and the older letter grades.

Scores are banded as they are reported: rounded half up to two decimals first, so 84.995 (shown as 85.00)
passes. For the EIT alone (post-2024): ≥ 95 excellent (ผ่านดีเยี่ยม), ≥ 85 pass (ผ่าน), 70–84.99 needs
improvement (ต้องปรับปรุง), < 70 urgent improvement (ต้องปรับปรุงโดยด่วน). An item or indicator is measured
against the same pass mark (85) and excellent mark (95). Letter grades used before 2024: AA 95–100,
A 85–94.99, B 75–84.99, C 65–74.99, D 55–64.99, E 50–54.99, F below 50.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

PASS_MARK: Final = 85.0
EXCELLENT_MARK: Final = 95.0
IMPROVEMENT_MARK: Final = 70.0
_GRADES: Final = ((95.0, "AA"), (85.0, "A"), (75.0, "B"), (65.0, "C"), (55.0, "D"), (50.0, "E"))


@dataclass(frozen=True)
class Band:
    """Where a score falls: a stable code, English and Thai labels, the letter grade and whether it passes."""

    code: str
    label_en: str
    label_th: str
    grade: str
    passed: bool


def round_score(score: float) -> float:
    """The score rounded half up to two decimals, as reported (84.995 → 85.0).

    Raises ``ValueError`` for a score that is not a finite number in [0, 100].
    """
    if not math.isfinite(score) or not 0.0 <= score <= 100.0:
        raise ValueError(f"a score must lie between 0 and 100, got {score!r}")
    return float(Decimal(repr(float(score))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _grade(rounded: float) -> str:
    for floor, grade in _GRADES:
        if rounded >= floor:
            return grade
    return "F"


def letter_grade(score: float) -> str:
    """The pre-2024 letter grade (AA, A, B, C, D, E or F) of ``score``.

    Raises ``ValueError`` as ``round_score``.
    """
    return _grade(round_score(score))


def eit_band(score: float) -> Band:
    """The post-2024 band of an EIT score. Raises ``ValueError`` as ``round_score``."""
    rounded = round_score(score)
    grade = _grade(rounded)
    if rounded >= EXCELLENT_MARK:
        return Band("excellent", "Excellent", "ผ่านดีเยี่ยม", grade, True)
    if rounded >= PASS_MARK:
        return Band("pass", "Pass", "ผ่าน", grade, True)
    if rounded >= IMPROVEMENT_MARK:
        return Band("needs_improvement", "Needs improvement", "ต้องปรับปรุง", grade, False)
    return Band("urgent", "Urgent improvement", "ต้องปรับปรุงโดยด่วน", grade, False)


def indicator_band(score: float) -> Band:
    """The band of an item or indicator score against the pass (85) and excellent (95) marks.

    Raises ``ValueError`` as ``round_score``.
    """
    rounded = round_score(score)
    grade = _grade(rounded)
    if rounded >= EXCELLENT_MARK:
        return Band("excellent", "Excellent", "ผ่านดีเยี่ยม", grade, True)
    if rounded >= PASS_MARK:
        return Band("pass", "Pass", "ผ่าน", grade, True)
    return Band("below_pass", "Below the pass mark", "ต่ำกว่าเกณฑ์ผ่าน", grade, False)
