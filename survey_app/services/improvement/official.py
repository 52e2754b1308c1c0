"""Official ITA results imported by admins from a CSV file, so the survey's estimate can be set beside them.

The file has a header row and one row per office: ``fiscal_year`` (Buddhist era, e.g. 2568), ``office_code``,
``eit`` and optionally ``iit``, ``oit``, ``total`` (scores 0–100); Thai headers (``ปีงบประมาณ``,
``รหัสสำนักงาน``) work too. Every bad row is reported with its line number and reason (a file with 50 bad rows
is refused whole); a file with any bad row imports nothing unless the admin asks for the valid rows only, either
by ticking the box before uploading or, after the report, with one button: the report's valid rows travel in a
signed, short-lived preview (``preview_token``) that the admin's next request hands back (``from_preview``), so the
file is not chosen again. A preview that was changed, has expired or is another account's imports nothing. A row
for an office and year already imported replaces it.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from ...models import OfficialResult, StaffUser
from ..accounts.staff import audit
from ..results import snapshots

MAX_BYTES = 256 * 1024
MAX_ROWS = 2000
MAX_PROBLEMS = 50  # a file with this many bad rows is refused whole: it is probably the wrong file
PREVIEW_SALT = "official-results-valid-rows"
PREVIEW_MAX_AGE = 3600  # seconds an admin has to import the valid rows a report showed
SCORES = ("eit", "iit", "oit", "total")
HEADERS = {
    "fiscal_year": "fiscal_year", "ปีงบประมาณ": "fiscal_year", "year": "fiscal_year",
    "office_code": "office_code", "รหัสสำนักงาน": "office_code", "office": "office_code",
    "eit": "eit", "iit": "iit", "oit": "oit", "total": "total", "คะแนนรวม": "total", "ita": "total",
}  # fmt: skip


@dataclass(frozen=True)
class RowProblem:
    """One refused row: its line in the file (0 for the whole file), the reason key and the offending value."""

    line: int
    reason: str
    value: str = ""


@dataclass(frozen=True)
class OfficialRow:
    """One valid row of the file."""

    line: int
    fiscal_year: int
    office_code: str
    eit: float
    iit: float | None
    oit: float | None
    total: float | None


@dataclass
class ImportReport:
    """What a file holds: its valid rows and every problem, by line."""

    rows: list[OfficialRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def file_problem(self) -> bool:
        """Whether the whole file was refused (nothing could be read row by row)."""
        return any(p.line == 0 for p in self.problems)


def _score(text: str) -> float | None:
    value = float(text.strip().replace(",", "."))
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ValueError(text)
    return value


def _decode(data: bytes) -> str | RowProblem:
    if len(data) > MAX_BYTES:
        return RowProblem(0, "too_large")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return RowProblem(0, "not_utf8")
    if "\x00" in text:
        return RowProblem(0, "not_text")
    return text


def _row(line: int, values: dict[str, str], offices: set[str]) -> OfficialRow | RowProblem:
    year_text, code = values.get("fiscal_year", "").strip(), values.get("office_code", "").strip()
    if not year_text.isdigit() or not 2500 <= int(year_text) <= 2700:
        return RowProblem(line, "year", year_text[:20])
    if code not in offices:
        return RowProblem(line, "office", code[:20])
    scores: dict[str, float | None] = {}
    for name in SCORES:
        text = values.get(name, "").strip()
        if not text and name != "eit":
            scores[name] = None
            continue
        try:
            scores[name] = _score(text)
        except ValueError:
            return RowProblem(line, "score", f"{name}={text[:20]}")
    eit = scores["eit"]
    assert eit is not None  # an empty EIT fails _score above
    return OfficialRow(line, int(year_text), code, eit, scores["iit"], scores["oit"], scores["total"])


def parse(data: bytes, offices: set[str]) -> ImportReport:
    """Read an official-results CSV file into valid rows and problems (nothing is written)."""
    report = ImportReport()
    text = _decode(data)
    if isinstance(text, RowProblem):
        report.problems.append(text)
        return report
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [HEADERS.get(h.strip().lower(), "") for h in next(reader, [])]
    except csv.Error:
        header = []
    if "fiscal_year" not in header or "office_code" not in header or "eit" not in header:
        report.problems.append(RowProblem(0, "header"))
        return report
    seen: set[tuple[int, str]] = set()
    try:
        for row in reader:
            if reader.line_num > MAX_ROWS + 1:
                report.problems.append(RowProblem(0, "too_many_rows", str(MAX_ROWS)))
                return report
            if not any(cell.strip() for cell in row):
                continue
            result = _row(reader.line_num, dict(zip(header, row, strict=False)), offices)
            if isinstance(result, OfficialRow) and (result.fiscal_year, result.office_code) in seen:
                result = RowProblem(reader.line_num, "duplicate", result.office_code)
            if isinstance(result, RowProblem):
                report.problems.append(result)
                if len(report.problems) >= MAX_PROBLEMS:
                    report.problems.append(RowProblem(0, "too_many_problems", str(MAX_PROBLEMS)))
                    return report
            else:
                seen.add((result.fiscal_year, result.office_code))
                report.rows.append(result)
    except csv.Error:
        report.problems.append(RowProblem(reader.line_num, "malformed"))
    return report


class PreviewError(ValueError):
    """A preview of valid rows that cannot be imported: ``reason`` is ``expired`` or ``invalid``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=PREVIEW_SALT)


def preview_token(report: ImportReport, secret_key: str, user_id: int) -> str:
    """The report's valid rows (and how many were refused), signed for ``user_id`` to import within the hour."""
    rows = [[r.line, r.fiscal_year, r.office_code, r.eit, r.iit, r.oit, r.total] for r in report.rows]
    return _serializer(secret_key).dumps({"user": user_id, "skipped": len(report.problems), "rows": rows})


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def from_preview(token: str, secret_key: str, user_id: int, offices: set[str]) -> tuple[ImportReport, int]:
    """The valid rows a preview carries and how many rows the file had refused. Each row is checked again as
    when the file was read. Raises ``PreviewError`` when the preview was changed, is another account's, holds
    a row that is no longer valid (``invalid``) or is older than ``PREVIEW_MAX_AGE`` (``expired``)."""
    try:
        data = _serializer(secret_key).loads(token, max_age=PREVIEW_MAX_AGE)
    except BadData as error:
        raise PreviewError("expired" if isinstance(error, SignatureExpired) else "invalid") from error
    if not isinstance(data, dict) or data.get("user") != user_id or not isinstance(data.get("rows"), list):
        raise PreviewError("invalid")
    report = ImportReport()
    try:
        for line, year, code, *scores in data["rows"]:
            values = {"fiscal_year": _text(year), "office_code": _text(code)}
            values.update({name: _text(v) for name, v in zip(SCORES, scores, strict=True)})
            row = _row(int(line), values, offices)
            if isinstance(row, RowProblem):
                raise PreviewError("invalid")
            report.rows.append(row)
    except (TypeError, ValueError) as error:  # a row of another shape (PreviewError is a ValueError too)
        raise PreviewError(getattr(error, "reason", "invalid")) from error
    if not report.rows:
        raise PreviewError("invalid")
    return report, int(data.get("skipped", 0))


def store(
    session: Session, actor: StaffUser, report: ImportReport, *, valid_only: bool = False, skipped: int = 0
) -> int:
    """Write the report's rows (replacing an office's earlier result for the year), audited; how many rows.

    Writes nothing and returns 0 when the file has problems and ``valid_only`` is not set, or when the whole
    file was refused. ``skipped`` counts rows refused earlier (a preview's), for the audit. The caller commits.
    """
    if report.file_problem or (report.problems and not valid_only) or not report.rows:
        return 0
    for row in report.rows:
        existing = session.scalar(
            select(OfficialResult).where(
                OfficialResult.fiscal_year == row.fiscal_year, OfficialResult.office_code == row.office_code
            )
        )
        target = existing or OfficialResult(fiscal_year=row.fiscal_year, office_code=row.office_code)
        target.eit, target.iit, target.oit, target.total = row.eit, row.iit, row.oit, row.total
        session.add(target)
    # The office pages show them beside the survey's estimate; `survey-app release` renews the snapshots.
    snapshots.invalidate_all(session)
    years = sorted({row.fiscal_year for row in report.rows})
    skipped += len(report.problems)
    audit(session, actor, "official_import", rows=len(report.rows), skipped=skipped, years=years)
    return len(report.rows)


def for_office(session: Session, fiscal_year: int, office_code: str) -> OfficialResult | None:
    """The office's official result for the fiscal year, if imported."""
    return session.scalar(_for_office_query(), {"fiscal_year": fiscal_year, "office_code": office_code})


@functools.cache
def _for_office_query() -> Select[OfficialResult]:
    """:func:`for_office`'s statement, built once (the office page asks on every request)."""
    return select(OfficialResult).where(
        OfficialResult.fiscal_year == bindparam("fiscal_year"),
        OfficialResult.office_code == bindparam("office_code"),
    )


def years(session: Session) -> list[tuple[int, int]]:
    """(fiscal year, offices imported) for every year imported, newest first."""
    rows = session.execute(
        select(OfficialResult.fiscal_year, func.count())
        .group_by(OfficialResult.fiscal_year)
        .order_by(OfficialResult.fiscal_year.desc())
    )
    return [(int(y), int(n)) for y, n in rows]
