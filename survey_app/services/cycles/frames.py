"""Population frames: how many people of each respondent type each office served through each service.

Staff type the numbers into a grid or import a CSV file (columns ``respondent_type,service,served``; codes or the
questionnaire's Thai or English labels). Input is checked whole before anything is written: a file that is too
large, not UTF-8 text, malformed, or that names an unknown type or service, repeats a cell or holds anything
but a whole number between 0 and :data:`MAX_SERVED` changes nothing and yields every problem with its line.
A saved frame replaces the office's previous one for the cycle and the change is audited. The caller commits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ...models import Cycle, CycleState, PopulationFrame, Response, Role, StaffUser
from ...questionnaire import ProfileQuestion, Questionnaire
from ..accounts.staff import audit
from ..results import snapshots

MAX_CSV_BYTES = 64 * 1024
MAX_CSV_ROWS = 500
MAX_SERVED = 10_000_000
COLUMNS = ("respondent_type", "service", "served")
# The same columns as a Thai reader sees them in the template downloaded from a Thai page (either header is read).
COLUMNS_TH = ("ประเภทผู้รับบริการ", "บริการ", "จำนวนผู้รับบริการ")

Frame = dict[tuple[str, str], int]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: ``line`` (0 for the whole file), the ``reason`` key and the bad value."""

    line: int
    reason: str
    value: str = ""


@dataclass
class FrameError(ValueError):
    """The input was refused; ``problems`` lists every reason (at most a screenful)."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"line {p.line}: {p.reason} {p.value!r}" for p in self.problems)


def load_frame(session: Session, cycle_id: int, office_code: str) -> Frame:
    """The office's frame in the cycle as {(respondent_type, service): served}; empty when none was entered."""
    rows = session.execute(
        select(PopulationFrame.respondent_type, PopulationFrame.service, PopulationFrame.served).where(
            PopulationFrame.cycle_id == cycle_id, PopulationFrame.office_code == office_code
        )
    )
    return {(rtype, service): int(served) for rtype, service, served in rows}


def parse_number(text: str) -> int | None:
    """A whole number from ``text`` (spaces and thousands commas allowed), or None when it is not one in range."""
    cleaned = text.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > 9:
        return None
    value = int(cleaned)
    return value if value <= MAX_SERVED else None


def parse_grid(values: Mapping[tuple[str, str], str], questionnaire: Questionnaire) -> Frame:
    """The frame typed into the grid: blank cells are left out. Raises ``FrameError`` listing bad cells."""
    frame: Frame = {}
    problems = []
    for rtype in questionnaire.respondent_type.codes:
        for service in questionnaire.service.codes:
            text = values.get((rtype, service), "").strip()
            if not text:
                continue
            number = parse_number(text)
            if number is None:
                problems.append(Problem(0, "not_a_number", f"{rtype}/{service}: {text[:40]}"))
            else:
                frame[(rtype, service)] = number
    if problems:
        raise FrameError(problems)
    return frame


def _lookup(question: ProfileQuestion) -> dict[str, str]:
    """Every accepted spelling of a choice (code, Thai label, English label in any case) → its code."""
    names: dict[str, str] = {}
    for choice in question.choices:
        for name in (choice.code, choice.label.th, choice.label.en):
            names[name.strip().casefold()] = choice.code
    return names


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise FrameError([Problem(0, "too_large", f"{len(data)}")])
    if b"\x00" in data:
        raise FrameError([Problem(0, "not_text")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameError([Problem(0, "not_utf8")]) from exc


def _header(reader: csv.reader) -> None:  # type: ignore[valid-type]
    header = next(reader, None)
    if header is None:
        raise FrameError([Problem(0, "empty")])
    if [h.strip().casefold() for h in header] not in (list(COLUMNS), list(COLUMNS_TH)):
        raise FrameError([Problem(1, "header", ",".join(header)[:80])])


def parse_csv(data: bytes, questionnaire: Questionnaire) -> Frame:
    """The frame in a CSV file. Raises ``FrameError`` with every problem (by line) and writes nothing."""
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    types, services = _lookup(questionnaire.respondent_type), _lookup(questionnaire.service)
    frame: Frame = {}
    blanks: set[tuple[str, str]] = set()
    problems: list[Problem] = []
    try:
        _header(reader)
        for row in reader:
            if reader.line_num > MAX_CSV_ROWS + 1:
                raise FrameError([Problem(reader.line_num, "too_many_rows", str(MAX_CSV_ROWS))])
            if not any(cell.strip() for cell in row):
                continue
            _parse_row(reader.line_num, row, types, services, frame, blanks, problems)
    except csv.Error as exc:
        raise FrameError([Problem(reader.line_num, "malformed")]) from exc
    if problems:
        raise FrameError(problems[:50])
    if not frame and not blanks:
        raise FrameError([Problem(0, "empty")])
    return frame


def _parse_row(
    line: int, row: list[str], types: dict[str, str], services: dict[str, str], frame: Frame,
    blanks: set[tuple[str, str]], problems: list[Problem],
) -> None:  # fmt: skip
    if len(row) != len(COLUMNS):
        problems.append(Problem(line, "columns", str(len(row))))
        return
    rtype, service = types.get(row[0].strip().casefold()), services.get(row[1].strip().casefold())
    blank = not row[2].strip()  # a blank count means "not known", as in the grid
    number = 0 if blank else parse_number(row[2])
    if rtype is None:
        problems.append(Problem(line, "unknown_type", row[0][:40]))
    if service is None:
        problems.append(Problem(line, "unknown_service", row[1][:40]))
    if number is None:
        problems.append(Problem(line, "not_a_number", row[2][:40]))
    if rtype is None or service is None or number is None:
        return
    if (rtype, service) in frame or (rtype, service) in blanks:
        problems.append(Problem(line, "duplicate", f"{rtype}/{service}"))
        return
    if blank:
        blanks.add((rtype, service))
    else:
        frame[(rtype, service)] = number


def locked_for(session: Session, actor: StaffUser, cycle: Cycle, office_code: str) -> bool:
    """Whether ``actor`` may no longer change the office's frame in ``cycle``: the office's own staff may enter a
    first frame at any time and change it until the office's first release; admins may always (audited).

    The frame sets the weights, and the weighted scores are recomputed at once for a new frame. The office's staff,
    the assessed party, who could save a second frame over the same released answers would read the weighted EIT
    under each and solve for the weighting cells' means; doing it again after the next release, a cell that gained
    one respondent would give that respondent's EIT away (``tests/integration/test_frame_attack.py``). So once
    answers are released, a changed frame goes through the ministry's admins, whose every change is audited."""
    if actor.role != Role.OFFICE:
        return False
    has_frame = exists().where(
        PopulationFrame.cycle_id == cycle.id, PopulationFrame.office_code == office_code
    )
    released = exists().where(
        Response.cycle_id == cycle.id, Response.office_code == office_code, Response.released.is_(True)
    )
    return bool(session.scalar(select(has_frame & released)))


def save_frame(
    session: Session, actor: StaffUser, cycle: Cycle, office_code: str, frame: Frame, source: str
) -> bool:
    """Replace the office's frame in ``cycle`` with ``frame`` and audit it; returns False when nothing changed.

    Raises ``FrameError`` with reason ``closed`` when the cycle is closed (its results are final), and with reason
    ``locked`` when :func:`locked_for` says the actor may no longer change it.
    """
    if cycle.state == CycleState.CLOSED:
        raise FrameError([Problem(0, "closed")])
    if locked_for(session, actor, cycle, office_code):
        raise FrameError([Problem(0, "locked")])
    before = load_frame(session, cycle.id, office_code)
    if before == frame:
        return False
    session.execute(
        delete(PopulationFrame).where(
            PopulationFrame.cycle_id == cycle.id, PopulationFrame.office_code == office_code
        )
    )
    session.add_all(
        PopulationFrame(cycle_id=cycle.id, office_code=office_code, respondent_type=rtype, service=service,
                        served=served)
        for (rtype, service), served in sorted(frame.items())
    )  # fmt: skip
    changed = sorted(
        f"{t}/{s}" for t, s in set(before) | set(frame) if before.get((t, s)) != frame.get((t, s))
    )
    # The office's weights change, no other office's: its snapshot alone is renewed, by the first read that needs it
    # (or `survey-app release` before it).
    snapshots.invalidate_office(session, cycle.id, office_code)
    audit(session, actor, "frame_changed", office_code, cycle=cycle.code, source=source,
          total_before=sum(before.values()), total_after=sum(frame.values()), cells_changed=changed[:40])  # fmt: skip
    return True
