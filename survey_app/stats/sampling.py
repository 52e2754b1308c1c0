"""Sample sizes, margins of error, adequacy of an office's sample and a forecast of when it will be adequate.

Pure functions of numbers: no Flask, no SQL. Three published rules give the statistical requirement:

* Krejcie & Morgan (1970): s = χ² N P(1−P) / (d² (N−1) + χ² P(1−P)), χ² with one degree of freedom at the
  confidence level, rounded to three decimals as in the paper (3.841 at 95 %); s rounded half up.
* Cochran (1977) with the finite population correction: n₀ = z² P(1−P) / e², n = n₀ / (1 + (n₀ − 1) / N),
  rounded up.
* Yamane (1967): n = N / (1 + N e²), rounded up.

No rule ever asks for more respondents than the population holds.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from scipy import stats as sps

METHODS: Final = ("krejcie-morgan", "cochran", "yamane")
PACE_DAYS: Final = 14
# Rounding up must not turn 200.00000000000003 (a float artefact of an exact 200) into 201.
_CEIL_SLACK: Final = 1e-9


def _check_population(population: int) -> None:
    if isinstance(population, bool) or int(population) != population or population < 1:
        raise ValueError(f"population must be a whole number of at least 1, got {population!r}")


def _check_open_unit(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")


def _check_proportion(proportion: float) -> None:
    if not 0.0 <= proportion <= 1.0:
        raise ValueError(f"proportion must lie between 0 and 1, got {proportion!r}")


def _ceil(value: float) -> int:
    return math.ceil(value - _CEIL_SLACK)


def _round_half_up(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@functools.lru_cache(maxsize=64)
def z_value(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.959964 at 0.95).

    Raises ``ValueError`` unless 0 < confidence < 1.
    """
    _check_open_unit("confidence", confidence)
    return float(sps.norm.ppf(0.5 + confidence / 2.0))


@functools.lru_cache(maxsize=64)
def chi_square_km(confidence: float) -> float:
    """χ² with one degree of freedom at ``confidence``, rounded to three decimals as Krejcie & Morgan did.

    Raises ``ValueError`` unless 0 < confidence < 1.
    """
    _check_open_unit("confidence", confidence)
    return round(float(sps.chi2.ppf(confidence, 1)), 3)


def _krejcie_morgan(population: int, confidence: float, margin: float, proportion: float) -> int:
    chi2 = chi_square_km(confidence)
    pq = proportion * (1.0 - proportion)
    size = chi2 * population * pq / (margin**2 * (population - 1) + chi2 * pq)
    return _round_half_up(size)


def _cochran(population: int, confidence: float, margin: float, proportion: float) -> int:
    n0 = z_value(confidence) ** 2 * proportion * (1.0 - proportion) / margin**2
    return _ceil(n0 / (1.0 + (n0 - 1.0) / population))


def _yamane(population: int, margin: float) -> int:
    return _ceil(population / (1.0 + population * margin**2))


def required_sample_size(
    population: int,
    method: str = "krejcie-morgan",
    *,
    confidence: float = 0.95,
    margin: float = 0.05,
    proportion: float = 0.5,
) -> int:
    """The number of respondents ``method`` requires from a population of ``population`` people.

    ``method`` is ``"krejcie-morgan"``, ``"cochran"`` or ``"yamane"`` (Yamane ignores ``confidence`` and
    ``proportion``: its formula fixes them at 95 % and 0.5). The result is at least 1 and never more than the
    population. Raises ``ValueError`` for a population below 1, an unknown method, a confidence or margin
    outside (0, 1) or a proportion outside [0, 1].
    """
    _check_population(population)
    _check_open_unit("confidence", confidence)
    _check_open_unit("margin", margin)
    _check_proportion(proportion)
    if method == "krejcie-morgan":
        size = _krejcie_morgan(population, confidence, margin, proportion)
    elif method == "cochran":
        size = _cochran(population, confidence, margin, proportion)
    elif method == "yamane":
        size = _yamane(population, margin)
    else:
        raise ValueError(f"unknown sampling method {method!r}; expected one of {', '.join(METHODS)}")
    return max(1, min(int(population), size))


def margin_of_error(
    n: float, population: int | None, *, confidence: float = 0.95, proportion: float = 0.5
) -> float:
    """Half-width of the interval for a proportion from ``n`` respondents, with finite population correction.

    ``n`` may be an effective sample size (not a whole number). Returns 0 when the whole population
    answered; ``population`` None (unknown) applies no correction. Raises ``ValueError`` for ``n`` not in
    (0, population], a population below 1, or a confidence or proportion out of range.
    """
    if population is not None:
        _check_population(population)
    _check_open_unit("confidence", confidence)
    _check_proportion(proportion)
    if not 0.0 < n <= (math.inf if population is None else population):
        raise ValueError(f"n must be positive and at most the population ({population}), got {n!r}")
    fpc = 1.0
    if population is not None:
        fpc = 0.0 if population == 1 else max(0.0, (population - n) / (population - 1))
    return z_value(confidence) * math.sqrt(proportion * (1.0 - proportion) / n * fpc)


@dataclass(frozen=True)
class Adequacy:
    """Whether an office's sample is adequate, what it needs and which rule decides.

    ``binding`` is ``"fixed_minimum"``, ``"statistical"`` or ``"respondent_type:<type>"``: the rule that asks
    for the most further responses, or when none is short, the overall rule that sets ``required``.
    ``shortfall`` is the number of further responses needed, at the current design effect, to satisfy every
    rule at once.
    """

    count: int
    effective_n: float
    fixed_minimum: int
    statistical: int | None
    required: int
    binding: str
    adequate: bool
    shortfall: int
    type_shortfalls: Mapping[str, int] = field(default_factory=dict)
    capped: bool = False
    census: bool = False


def _type_shortfalls(
    type_counts: Mapping[str, int], type_floor: int, type_populations: Mapping[str, int] | None
) -> dict[str, int]:
    """Per respondent type, how many more responses reach the floor (capped at the type's population)."""
    short: dict[str, int] = {}
    for rtype in sorted(type_counts):
        floor = type_floor
        if type_populations is not None and rtype in type_populations:
            floor = min(floor, int(type_populations[rtype]))
        short[rtype] = max(0, floor - int(type_counts[rtype]))
    return short


def assess_adequacy(
    count: int,
    *,
    fixed_minimum: int,
    population: int | None = None,
    method: str = "krejcie-morgan",
    confidence: float = 0.95,
    margin: float = 0.05,
    effective_n: float | None = None,
    type_counts: Mapping[str, int] | None = None,
    type_floor: int = 0,
    type_populations: Mapping[str, int] | None = None,
) -> Adequacy:
    """Judge one office's sample against the fixed minimum, the statistical requirement and a per-type floor.

    ``required`` is the larger of ``fixed_minimum`` and the requirement of ``method`` for ``population`` (none
    when the population is unknown; ties go to the fixed minimum), never more than the population (``capped``
    says when the cap applied); it is judged on ``effective_n`` (the Kish effective sample size after
    weighting, ``count`` when omitted), so the overall shortfall is the number of further responses that lift
    the effective size to ``required`` at the current design effect. Each respondent type listed in
    ``type_counts`` must have ``type_floor`` responses (at most its population). A census (``count`` at least
    the population) is adequate whatever the design effect.
    Raises ``ValueError`` for negative counts or parameters out of range.
    """
    if count < 0 or fixed_minimum < 0 or type_floor < 0:
        raise ValueError("count, fixed_minimum and type_floor must not be negative")
    n_eff = float(count) if effective_n is None else float(effective_n)
    if n_eff < 0 or n_eff > count + 1e-9:
        raise ValueError(f"effective_n must lie between 0 and count ({count}), got {effective_n!r}")
    statistical = None
    if population is not None:
        statistical = required_sample_size(population, method, confidence=confidence, margin=margin)
    required = max(fixed_minimum, statistical or 0)
    capped = population is not None and required > population
    if population is not None:
        required = min(required, population)
    census = population is not None and count >= population
    overall_rule = (
        "statistical" if statistical is not None and statistical > fixed_minimum else "fixed_minimum"
    )
    deff = count / n_eff if n_eff > 0 else 1.0
    overall_short = max(0, _ceil(required * deff - count)) if n_eff < required and not census else 0
    types = _type_shortfalls(type_counts or {}, type_floor, type_populations)
    binding, type_total = overall_rule, sum(types.values())
    if type_total > overall_short:
        binding = "respondent_type:" + max(types, key=lambda t: (types[t], t))
    shortfall = max(overall_short, type_total)
    return Adequacy(
        count, n_eff, fixed_minimum, statistical, required, binding, shortfall == 0, shortfall, types,
        capped, census,
    )  # fmt: skip


def forecast_adequacy_date(
    daily_counts: Sequence[int], today: dt.date, shortfall: int, *, deadline: dt.date | None = None
) -> dt.date | None:
    """The date ``shortfall`` more responses arrive at the pace of the last 14 days; None if not at this pace.

    ``daily_counts`` are the responses per day, oldest first; only the last 14 are used, and the pace is their
    sum over 14 days (days without data count as zero). Returns ``today`` when nothing is short, and None when
    the pace is zero or the date would fall after ``deadline``. Raises ``ValueError`` for negative counts.
    """
    recent = list(daily_counts)[-PACE_DAYS:]
    if shortfall < 0 or any(c < 0 for c in recent):
        raise ValueError("shortfall and daily counts must not be negative")
    if shortfall == 0:
        return today
    pace = sum(recent) / PACE_DAYS
    if pace <= 0:
        return None
    reached = today + dt.timedelta(days=_ceil(shortfall / pace))
    if deadline is not None and reached > deadline:
        return None
    return reached
