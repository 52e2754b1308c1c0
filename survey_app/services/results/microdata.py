"""The anonymised microdata export (admins only): one row per response of the cycle, without anything that points
at a person.

A row holds office, cycle, month (``YYYY-MM``, never the day), channel, respondent type, service, whether a quality
flag was raised, and the score of each item (0–100, the mean of its sub-items' stored scores, by the one scoring path
:func:`.rollup.respondent_values`). No id, no date, no suggestion text.
Rows are sorted by office, month and then the random response id, so their order says nothing.

Disclosure control, per office: an office with fewer than K responses is left out. Within an office, every
respondent type × service cell of fewer than K responses has its type and service blanked; when the blanked rows
of an office number fewer than K, the next smallest cells are blanked too until they reach K (or the office's
rows are all blanked), so no small group can be picked out or worked out from the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cycle, Response
from ...questionnaire import Questionnaire
from . import released, rollup
from .exports import to_csv

BASE_COLUMNS = ("office", "cycle", "month", "channel", "rtype", "service", "flagged")


@dataclass(frozen=True)
class Microdata:
    """Columns (base columns then item codes) and rows of the export, and how many rows were blanked or left out."""

    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]
    blanked: int
    left_out: int


def _blank_cells(counts: dict[tuple[str, str], int], k: int) -> set[tuple[str, str]]:
    """Cells of one office whose type and service are blanked (see the module docstring)."""
    keys = {f"{t}|{s}": (t, s) for t, s in counts}
    hidden = released.hidden_groups({key: counts[cell] for key, cell in keys.items()}, k)
    return {keys[key] for key in hidden}


def build(session: Session, cycle: Cycle, questionnaire: Questionnaire, k: int) -> Microdata:
    """The microdata of ``cycle`` with the disclosure control of the module docstring applied."""
    items = tuple(item.code for item in questionnaire.items)
    where = released.response_filter(cycle)
    responses = session.execute(
        select(
            Response.id, Response.office_code, released.release_day().label("submitted_on"), Response.channel,
            Response.respondent_type, Response.service, Response.flagged.label("flagged"),
        ).where(*where)
    ).all()  # fmt: skip
    scores: dict[str, dict[str, float]] = defaultdict(dict)
    items_of = rollup.respondent_values(questionnaire, where).items
    for response_id, item, score in session.execute(select(items_of.c.rid, items_of.c.measure, items_of.c.v)):
        scores[response_id][item] = float(score)
    by_office: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for r in responses:
        by_office[r.office_code][(r.respondent_type, r.service)] += 1
    shown = {code: sum(cells.values()) >= k for code, cells in by_office.items()}
    blank = {code: _blank_cells(dict(cells), k) for code, cells in by_office.items()}
    rows, blanked = [], 0
    for r in sorted(responses, key=lambda r: (r.office_code, r.submitted_on.strftime("%Y-%m"), r.id)):
        if not shown[r.office_code]:
            continue
        hide = (r.respondent_type, r.service) in blank[r.office_code]
        blanked += hide
        row = (
            r.office_code, cycle.code, r.submitted_on.strftime("%Y-%m"), r.channel,
            "" if hide else r.respondent_type, "" if hide else r.service, int(r.flagged),
            *(scores[r.id].get(item) for item in items),
        )  # fmt: skip
        rows.append(row)
    left_out = sum(1 for r in responses if not shown[r.office_code])
    return Microdata((*BASE_COLUMNS, *items), rows, blanked, left_out)


def as_csv(data: Microdata) -> str:
    """The microdata as CSV (UTF-8 with BOM); empty cells for blanked or missing values."""
    return to_csv(data.columns, data.rows)


def codebook(described: Mapping[str, tuple[str, str, str]], notes: Sequence[str]) -> str:
    """The codebook as CSV: variable, Thai label, English label, type; then notes on disclosure control."""
    rows: list[list[str]] = [[name, th, en, kind] for name, (th, en, kind) in described.items()]
    rows += [["#", note, "", ""] for note in notes]
    return to_csv(["variable", "label_th", "label_en", "type"], rows)
