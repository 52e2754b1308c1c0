"""The national table: one row per office from the results service and the live counts; filters, sorting and
a summary per region.

Nothing here computes a score: rows carry what the release snapshots hold (``services.results.shown``). An office
with fewer than K responses has its scores blanked (``hidden``) in the rows, so every view and export built on them
suppresses alike.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, Office, Region
from ...questionnaire import Questionnaire
from ...stats.scoring import Estimate, MeasureScore
from . import counts as dashboard
from . import disclosure, summary
from . import scores as results
from .reasons import Labels, describe, labels_of
from .snapshots import shown

BAND_RANK = {"excellent": 4, "pass": 3, "needs_improvement": 2, "urgent": 1}
SORT_KEYS = ("code", "name", "region", "count", "progress", "eit", "band")
PROGRESS_FILTERS = ("under50", "50to99", "done")


@dataclass(frozen=True)
class OfficeRow:
    """One office in the national table."""

    code: str
    name_th: str
    name_en: str
    province_th: str
    province_en: str
    region: str
    count: int
    today: int
    last7: int
    fixed_minimum: int
    statistical: int | None
    required: int
    binding: str
    effective_n: float | None  # None while a respondent type is hidden (disclosure.sizes_withheld)
    shortfall: int
    adequate: bool
    progress: float
    margin_of_error: float | None
    weighting: str
    eit: float | None
    eit_low: float | None
    eit_high: float | None
    eit_unweighted: float | None
    band: str | None
    band_th: str | None
    band_en: str | None
    provisional: bool
    hidden: bool
    shortfall_reason: dict[str, Any]  # why ``shortfall`` answers are still needed: code, params, th, en
    weighting_reason: dict[str, Any]  # whether the score is weighted and why, or why it is hidden

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()
        }

    @property
    def shortfall_reason_th(self) -> str:
        """The shortfall's reason in Thai (the XLSX column)."""
        return str(self.shortfall_reason["th"])

    @property
    def weighting_reason_th(self) -> str:
        """Weighted or not and why, in Thai (the XLSX column)."""
        return str(self.weighting_reason["th"])


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def progress_percent(count: int, required: int, shortfall: int) -> float:
    """Share of the responses needed so far: 100 exactly when adequate (``shortfall`` allows for the design
    effect and per-type floors), above 100 beyond the requirement."""
    if shortfall > 0:
        return 100.0 * count / (count + shortfall)
    return 100.0 * count / required if required else 100.0


def _headline(eit: MeasureScore | None) -> tuple[Estimate | None, Any]:
    """The score shown in the table: weighted when the office could be weighted, else the plain mean."""
    if eit is None:
        return None, None
    if eit.weighted is not None and math.isfinite(eit.weighted.mean):
        return eit.weighted, eit.weighted_band
    return eit.unweighted, eit.unweighted_band


def build_row(
    office: Office, result: results.OfficeResult, live: dashboard.LiveCounts | None, k: int,
    labels: Labels | None = None,
) -> OfficeRow:  # fmt: skip
    """The row of one office; scores blanked below ``k`` responses. ``labels`` (``reasons.labels_of``) names
    respondent types in the reasons' sentences."""
    a = disclosure.adequacy_shown(result, k)
    estimate, band = _headline(result.eit)
    hidden = result.count < k
    show = not hidden and estimate is not None
    live = live or dashboard.LiveCounts(0, 0, 0)
    needed = summary.office_needed(result, k)
    # While a respondent type is hidden, the effective sample, the margin of error and a shortfall above
    # required − received would give its count away: the row carries what the office page shows.
    withheld = disclosure.sizes_withheld(result, k)
    return OfficeRow(
        office.code, office.name_th, office.name_en, office.province_th, office.province_en, office.region,
        result.count, live.today, live.last7, a.fixed_minimum, a.statistical, a.required, a.binding,
        None if withheld else float(a.effective_n), a.shortfall, a.adequate,
        progress_percent(result.count, a.required, a.shortfall),
        None if withheld else _finite(result.margin_of_error), result.weighting,
        _finite(estimate.mean) if show and estimate else None,
        _finite(estimate.low) if show and estimate else None,
        _finite(estimate.high) if show and estimate else None,
        _finite(result.eit.unweighted.mean) if show and result.eit else None,
        band.code if show and band else None,
        band.label_th if show and band else None,
        band.label_en if show and band else None,
        not a.adequate, hidden, describe(needed.note, labels), describe(summary.weighting_note(result, k), labels),
    )  # fmt: skip


@dataclass(frozen=True)
class NationalView:
    """All rows of a cycle, the roll-up and when it was computed."""

    rows: list[OfficeRow]
    national: results.NationalResult | None
    today: dt.date


def national_view(
    session: Session, cycle: Cycle, questionnaire: Questionnaire, today: dt.date, k: int
) -> NationalView:
    """Rows for every office (results from the offices' release snapshots, live counts in one query)."""
    offices = {o.code: o for o in session.scalars(select(Office).order_by(Office.code))}
    computed = shown.cycle_results(session, cycle, None, questionnaire, today=today, k=k)
    live = dashboard.national_live_counts(session, cycle.id, today)
    visible = [disclosure.office_result(r, k) for r in computed.offices]  # as staff may see it
    labels = labels_of(questionnaire)
    rows = [build_row(offices[r.office_code], r, live.get(r.office_code), k, labels) for r in visible]
    national = computed.national
    if national is not None and national.responses < k:
        national = None
    return NationalView(rows, national, today)


@dataclass(frozen=True)
class Filters:
    """What the national table is narrowed to and sorted by (all from query parameters)."""

    region: str = ""
    adequacy: str = ""
    band: str = ""
    progress: str = ""
    q: str = ""
    sort: str = "code"
    desc: bool = False

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        """Filters from request arguments; unknown values are ignored rather than refused."""
        region = args.get("region", "")
        adequacy = args.get("adequacy", "")
        band = args.get("band", "")
        progress = args.get("progress", "")
        sort = args.get("sort", "code")
        return cls(
            region=region if region in set(Region) else "",
            adequacy=adequacy if adequacy in ("adequate", "short") else "",
            band=band if band in (*BAND_RANK, "none") else "",
            progress=progress if progress in PROGRESS_FILTERS else "",
            q=(args.get("q") or "").strip()[:60],
            sort=sort if sort in SORT_KEYS else "code",
            desc=args.get("dir") == "desc",
        )

    def as_args(self, **changes: Any) -> dict[str, str]:
        """Query arguments for these filters with ``changes`` applied (empty values left out)."""
        values = asdict(replace(self, **changes))
        values["dir"] = "desc" if values.pop("desc") else ""
        return {k: str(v) for k, v in values.items() if v and not (k == "sort" and v == "code")}


def _matches(row: OfficeRow, f: Filters) -> bool:
    if f.region and row.region != f.region:
        return False
    if f.adequacy and row.adequate != (f.adequacy == "adequate"):
        return False
    if f.band and (row.band or "none") != f.band:
        return False
    if f.progress == "under50" and row.progress >= 50:
        return False
    if f.progress == "50to99" and not (50 <= row.progress < 100):
        return False
    if f.progress == "done" and row.progress < 100:
        return False
    if f.q:
        text = " ".join((row.code, row.name_th, row.name_en, row.province_th, row.province_en)).casefold()
        return f.q.casefold() in text
    return True


def _sort_value(row: OfficeRow, key: str, lang: str) -> Any:
    return {
        "code": row.code,
        "name": row.province_en.casefold() if lang == "en" else row.province_th,
        "region": row.region,
        "count": row.count,
        "progress": row.progress,
        "eit": row.eit,
        "band": BAND_RANK.get(row.band or ""),
    }[key]


def select_rows(rows: Iterable[OfficeRow], f: Filters, lang: str = "th") -> list[OfficeRow]:
    """Rows matching ``f``, sorted by its key (ties by code); rows without a value sort last either way."""
    kept = [row for row in rows if _matches(row, f)]
    present = [r for r in kept if _sort_value(r, f.sort, lang) is not None]
    absent = [r for r in kept if _sort_value(r, f.sort, lang) is None]
    present.sort(key=lambda r: r.code)
    present.sort(key=lambda r: _sort_value(r, f.sort, lang), reverse=f.desc)
    return present + sorted(absent, key=lambda r: r.code)


@dataclass(frozen=True)
class RegionSummary:
    """One region: offices, responses, how many are adequate, and the mean EIT of the offices its roll-up pools.

    ``scored`` and ``mean_eit`` come from the region's roll-up (``services.results.pooling``) when one is given: the
    same offices as the pooled figures, each with its weighted score; otherwise from the rows' shown scores.
    """

    region: str
    offices: int
    responses: int
    adequate: int
    scored: int
    mean_eit: float | None
    below_pass: int


def region_summaries(
    rows: Sequence[OfficeRow], rollup: results.NationalResult | None = None
) -> list[RegionSummary]:
    """A summary per region, in the order of the ``Region`` vocabulary, then the whole country."""
    summaries = []
    for region in [*(r.value for r in Region), ""]:
        chosen = [r for r in rows if not region or r.region == region]
        scored, mean = _pooled_mean(chosen, rollup, region)
        summaries.append(RegionSummary(
            region or "all", len(chosen), sum(r.count for r in chosen), sum(r.adequate for r in chosen),
            scored, mean, sum(1 for r in chosen if r.band in ("needs_improvement", "urgent")),
        ))  # fmt: skip
    return summaries


def _pooled_mean(
    chosen: Sequence[OfficeRow], rollup: results.NationalResult | None, region: str
) -> tuple[int, float | None]:
    """How many offices the region's figure is made of and their mean EIT (the roll-up's offices if given)."""
    if rollup is not None:
        part = rollup.regions.get(region) if region else rollup
        if part is None:
            return 0, None
        return part.pooled_offices, part.mean_of_offices_weighted
    scores = [r.eit for r in chosen if r.eit is not None]
    return len(scores), sum(scores) / len(scores) if scores else None
