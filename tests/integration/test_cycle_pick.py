"""Staff pages pick their cycle from every cycle read once (``cycles.pick_cycle``): the same choice as
``cycles.current_cycle``'s queries, whatever cycles exist; the list is read once per transaction."""

from __future__ import annotations

import datetime as dt

from survey_app.models import Cycle
from survey_app.services.cycles.manage import all_cycles, current_cycle, cycles_read_once, pick_cycle

BASE = {"questionnaire_id": "eit", "questionnaire_version": "2568"}


def _cycle(code: str, year: int, state: str) -> Cycle:
    opens = dt.date(year - 544, 10, 1)
    return Cycle(code=code, fiscal_year=year, opens_on=opens, closes_on=opens + dt.timedelta(days=364), state=state,
                 **BASE)  # fmt: skip


def _same_choice(session, codes: list[str | None]) -> list[str | None]:  # type: ignore[no-untyped-def]
    listed = all_cycles(session)
    chosen = []
    for code in codes:
        expected = current_cycle(session, code)
        assert pick_cycle(listed, code) is expected
        chosen.append(expected.code if expected else None)
    return chosen


def test_the_picked_cycle_is_current_cycles_choice(session) -> None:  # type: ignore[no-untyped-def]
    assert _same_choice(session, [None, "EIT-2569"]) == [None, None]
    session.add_all([_cycle("EIT-2568", 2568, "closed"), _cycle("EIT-2570", 2570, "draft")])
    session.commit()
    # No open cycle: the newest one; a code names its own cycle, an unknown code none.
    assert _same_choice(session, [None, "EIT-2568", "EIT-2570", "nope"]) == [
        "EIT-2570", "EIT-2568", "EIT-2570", None,
    ]  # fmt: skip
    session.add(_cycle("EIT-2569", 2569, "open"))
    session.commit()
    # The open cycle wins over a newer draft.
    assert _same_choice(session, [None, "EIT-2570", ""]) == ["EIT-2569", "EIT-2570", "EIT-2569"]


def test_the_cycles_read_once_are_forgotten_at_a_flush_and_at_the_transactions_end(session) -> None:  # type: ignore[no-untyped-def]
    session.add(_cycle("EIT-2568", 2568, "closed"))
    session.commit()
    first = cycles_read_once(session)
    assert cycles_read_once(session) is first  # one read per transaction
    assert [c.code for c in first] == ["EIT-2568"]
    session.add(_cycle("EIT-2569", 2569, "open"))
    session.flush()  # a cycle added in the transaction is seen
    assert [c.code for c in cycles_read_once(session)] == ["EIT-2569", "EIT-2568"]
    session.rollback()
    assert [c.code for c in cycles_read_once(session)] == ["EIT-2568"]
