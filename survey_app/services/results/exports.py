"""CSV and JSON exports of the national table.

CSV files start with a UTF-8 byte order mark so Excel reads Thai, and any text cell that a spreadsheet could take
for a formula (beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with an
apostrophe. Numbers are written as numbers. The JSON carries the same rows with the same suppression.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any, cast

from .disclosure import settle
from .national import NationalView, OfficeRow, RegionSummary
from .reasons import describe

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "office_code"),
    ("name_th", "office_th"),
    ("name_en", "office_en"),
    ("province_th", "province_th"),
    ("region", "region"),
    ("count", "responses"),
    ("today", "responses_today"),
    ("last7", "responses_last_7_days"),
    ("fixed_minimum", "fixed_minimum"),
    ("statistical", "statistical_requirement"),
    ("required", "required"),
    ("binding", "binding_rule"),
    ("effective_n", "effective_sample"),
    ("shortfall", "shortfall"),
    ("shortfall_reason_th", "shortfall_reason_th"),
    ("adequate", "adequate"),
    ("progress", "progress_percent"),
    ("margin_of_error", "margin_of_error"),
    ("weighting", "weighting"),
    ("weighting_reason_th", "weighting_reason_th"),
    ("eit", "eit_score"),
    ("eit_low", "eit_ci_low"),
    ("eit_high", "eit_ci_high"),
    ("eit_unweighted", "eit_unweighted"),
    ("band", "band"),
    ("band_th", "band_th"),
    ("provisional", "provisional"),
    ("hidden", "suppressed_below_k"),
)


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text that could start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "" if not math.isfinite(value) else round(value, 4)
    return neutralise(value)


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text with a BOM and CRLF line ends; every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return BOM + out.getvalue()


def national_csv(rows: Sequence[OfficeRow]) -> str:
    """The national table as CSV (one line per office, stable English column names)."""
    header = [name for _attr, name in CSV_COLUMNS]
    return to_csv(header, ([getattr(row, attr) for attr, _name in CSV_COLUMNS] for row in rows))


def _summary(summary: RegionSummary) -> dict[str, Any]:
    return {
        "region": summary.region,
        "offices": summary.offices,
        "responses": summary.responses,
        "adequate_offices": summary.adequate,
        "offices_scored": summary.scored,
        "mean_of_office_eit": summary.mean_eit,
        "offices_below_pass": summary.below_pass,
    }


def national_json(
    cycle_code: str, view: NationalView, rows: Sequence[OfficeRow], regions: Sequence[RegionSummary], k: int,
    generated_at: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    """The national table as a JSON-ready dictionary."""
    national = view.national
    roll_up = None
    if national is not None:
        pooled = national.pooled
        roll_up = {
            "offices_scored": national.offices_scored,
            "responses": national.responses,
            "mean_of_offices_weighted": national.mean_of_offices_weighted,
            "mean_of_offices_unweighted": national.mean_of_offices_unweighted,
            "pooled": None if pooled is None else {
                "mean": pooled.mean, "low": pooled.low, "high": pooled.high, "se": pooled.se, "n": pooled.n,
                "offices": national.pooled_offices,
            },
            "offices_pooled": list(national.offices_pooled),
            "excluded": [
                {"office_code": e.office_code, "reasons": [describe(n) for n in e.reasons]}
                for e in national.excluded
            ],
        }  # fmt: skip
    return cast(dict[str, Any], settle(_finite({
        "cycle": cycle_code,
        "generated_at": generated_at.isoformat(),
        "today": view.today.isoformat(),
        "suppress_below": k,
        "offices": [row.as_dict() for row in rows],
        "regions": [_summary(s) for s in regions],
        "national": roll_up,
    })))  # fmt: skip


def _finite(value: Any) -> Any:
    """NaN and infinities become null: JSON has no such numbers."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
