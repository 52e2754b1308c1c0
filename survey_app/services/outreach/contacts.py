"""Reading a CSV of business contacts (what Excel saves) into checked rows and a per-row report.

The file must be UTF-8 (a byte-order mark is fine), at most ``MAX_BYTES`` and ``MAX_ROWS``, with a header row
naming an ``email`` column (``name`` and ``service`` are optional; Thai headers อีเมล, ชื่อ, บริการ work too).
Every problem is reported with its row number as a spreadsheet shows it (the header is row 1). Nothing here
touches the database: :func:`survey_app.services.outreach.invitations.import_contacts` decides what to store.

Hostile files are expected: binary data, other encodings, lines megabytes long, cells that a spreadsheet would
run as a formula (``=HYPERLINK(...)``). They are refused or reported; no value is ever evaluated, and report
details are shortened and stripped of control characters.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from ...questionnaire import Questionnaire

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
MAX_NAME = 200
MAX_EMAIL = 254
MAX_FIELD = 1000  # a longer cell is hostile or a broken file; refused before anything else looks at it
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = {
    "email": ("email", "e-mail", "e-mail address", "email address", "อีเมล", "อีเมล์"),
    "name": ("name", "contact", "company", "ชื่อ", "ชื่อผู้ติดต่อ", "ชื่อบริษัท"),
    "service": ("service", "บริการ", "งานบริการ"),
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Reason(StrEnum):
    """Why a row was not imported. Errors block the import unless the user asks for the valid rows only."""

    BAD_EMAIL = "bad_email"
    UNKNOWN_SERVICE = "unknown_service"
    FORMULA = "formula"
    TOO_LONG = "too_long"
    DUPLICATE = "duplicate"  # a notice: the contact is already in the file or already invited
    ALREADY_INVITED = "already_invited"  # a notice too

    @property
    def blocks_import(self) -> bool:
        return self not in (Reason.DUPLICATE, Reason.ALREADY_INVITED)


class FileRefusedError(ValueError):
    """The whole file is refused (size, encoding, binary, no email column, too many rows, broken CSV)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Contact:
    row: int
    email: str
    name: str | None
    service: str | None


@dataclass(frozen=True)
class Problem:
    row: int
    reason: Reason
    detail: str = ""


@dataclass
class ParsedFile:
    """The contacts that passed every check, and the problems found, in row order."""

    contacts: list[Contact] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.reason.blocks_import]

    @property
    def rows(self) -> int:
        return len(self.contacts) + len({p.row for p in self.problems})


def parse(data: bytes, services: Mapping[str, str]) -> ParsedFile:
    """Check every row of the CSV in ``data``. ``services`` maps accepted spellings (lower case) to codes.

    Raises :class:`FileRefusedError` when the file as a whole cannot be read.
    """
    reader = _reader(_decode(data))
    columns = _columns(next(reader, None))
    parsed = ParsedFile()
    seen: dict[str, int] = {}
    try:
        for row_number, cells in enumerate(reader, start=2):
            if row_number > MAX_ROWS + 1:
                raise FileRefusedError("too_many_rows", f"the file has more than {MAX_ROWS} contacts")
            if not any(cell.strip() for cell in cells):
                continue
            _check_row(parsed, row_number, cells, columns, services, seen)
    except csv.Error as exc:
        raise FileRefusedError(
            "broken_csv", f"the file is not valid CSV near row {reader.line_num}: {exc}"
        ) from None
    return parsed


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise FileRefusedError("too_large", f"the file is larger than {MAX_BYTES // 1024} KB")
    if b"\x00" in data:
        raise FileRefusedError("binary", "the file is not a text file (it contains binary data)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefusedError(
            "encoding", "the file is not UTF-8: save it from Excel as 'CSV UTF-8'"
        ) from None
    if not text.strip():
        raise FileRefusedError("empty", "the file is empty")
    return text


def _reader(text: str):  # type: ignore[no-untyped-def]
    """A csv reader; semicolons are accepted when the header has them and no commas (European Excel)."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    csv.field_size_limit(MAX_BYTES)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _columns(header: list[str] | None) -> dict[str, int]:
    if header is None:
        raise FileRefusedError("empty", "the file is empty")
    names = [cell.strip().lower() for cell in header]
    columns = {
        key: names.index(alias) for key, aliases in HEADERS.items() for alias in aliases if alias in names
    }
    if "email" not in columns:
        raise FileRefusedError("no_email_column", "the first row must name the columns, one of them 'email'")
    return columns


def _check_row(
    parsed: ParsedFile,
    row: int,
    cells: list[str],
    columns: dict[str, int],
    services: Mapping[str, str],
    seen: dict[str, int],
) -> None:
    values = {key: (cells[i].strip() if i < len(cells) else "") for key, i in columns.items()}
    problems = _row_problems(row, values, services)
    if problems:
        parsed.problems.extend(problems)
        return
    email = normalise_email(values["email"])
    assert email is not None  # _row_problems checked it
    if email in seen:
        parsed.problems.append(Problem(row, Reason.DUPLICATE, str(seen[email])))
        return
    seen[email] = row
    service = services[values["service"].lower()] if values.get("service") else None
    parsed.contacts.append(Contact(row, email, values.get("name") or None, service))


def _row_problems(row: int, values: dict[str, str], services: Mapping[str, str]) -> list[Problem]:
    problems = []
    if any(len(v) > MAX_FIELD for v in values.values()) or len(values.get("name", "")) > MAX_NAME:
        return [Problem(row, Reason.TOO_LONG, "")]
    hostile = [v for v in values.values() if v.startswith(FORMULA_START) or CONTROL.search(v)]
    if hostile:
        return [Problem(row, Reason.FORMULA, shorten(hostile[0]))]
    if normalise_email(values["email"]) is None:
        problems.append(Problem(row, Reason.BAD_EMAIL, shorten(values["email"])))
    service = values.get("service", "")
    if service and service.lower() not in services:
        problems.append(Problem(row, Reason.UNKNOWN_SERVICE, shorten(service)))
    return problems


def normalise_email(value: str) -> str | None:
    """The address in lower case if it is a valid email address (syntax only, no DNS), else None."""
    if not value or len(value) > MAX_EMAIL:
        return None
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return str(result.ascii_email or result.normalized).lower()


def shorten(value: str, limit: int = 60) -> str:
    """``value`` for a report: control characters removed, at most ``limit`` characters."""
    clean = CONTROL.sub("", value).replace("\n", " ").replace("\r", " ")
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def service_spellings(questionnaire: Questionnaire) -> dict[str, str]:
    """Accepted spellings of each service of ``questionnaire`` (code, Thai or English label) in lower case → code."""
    spellings: dict[str, str] = {}
    for choice in questionnaire.service.choices:
        for spelling in (choice.code, choice.label.th, choice.label.en):
            spellings[spelling.strip().lower()] = choice.code
    return spellings
