"""The two attacks of issue 20, played as an office's own staff through the real pages and API, on SQLite and
PostgreSQL: the answers of one respondent must not follow from what staff saw before and after a release.

* Group means: 10 citizens and 5 businesses released; one business answers, then 4 citizens, which releases the
  batch. If the business group's mean moved from 5 to 6 members, ``6·m₂ − 5·m₁`` per item would be that business's
  answer. Group means now move only when the group gained K members (and the auditor clears them).
* A month shown again: 8 responses in October and 10 in November released; one response sent on 30 November is
  released in December's first batch. Dated by submission, November would reopen with 11 responses and
  ``11·m₂ − 10·m₁`` (even from two-decimal page values) would give that respondent's items. Months are now dated by
  the release that made a response visible, so November never changes.

Each test first checks that the attacker's arithmetic does recover 15 of 15 items from the true group sums in the
database (so the test can fail), then that the pages give none.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from itertools import product

import pytest

from survey_app.clock import BANGKOK, local_today
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.services.intake import batches as release
from survey_app.services.results import rollup

from .staff_data import OWN, Spec, isolate_requests, response_row, sign_in

K = 5


def _answers(questionnaire, rng: random.Random) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    """A random answer to every item (all sub-items of an item alike)."""
    raw = {}
    for item in questionnaire.items:
        value = rng.choice(sorted(item.answer_type.values))
        for key in item.keys:
            raw[key] = value
    return raw


def _item_values(questionnaire, raw) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Each item's value for one respondent, from the score map (mean of its sub-items' scores)."""
    values = {}
    for item in questionnaire.items:
        scores = [item.answer_type.score(raw[key]) for key in item.keys]
        values[item.code] = sum(scores) / len(scores)
    return values


def _store(session, cycle, questionnaire, raw, rtype: str, day: dt.date, released: bool) -> None:  # type: ignore[no-untyped-def]
    """One response as the survey stores it (released ones also join the rollup, as fixtures do)."""
    service = "factory_licensing" if rtype == "individual" else "mining"
    session.add(
        response_row(cycle, questionnaire, OWN, raw, day, Spec(rtype=rtype, service=service), released)
    )
    session.flush()
    if released:
        rollup.rebuild(session, cycle.id, questionnaire)
    session.commit()


def _release(session, cycle, questionnaire) -> int:  # type: ignore[no-untyped-def]
    released = release.release_if_complete(session.connection(), cycle.id, OWN, questionnaire, K)
    session.commit()
    return released


def _possible(questionnaire) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """Every value an item can take for one respondent (to read a value back from rounded figures)."""
    found = {}
    for item in questionnaire.items:
        scores = sorted({item.answer_type.score(v) for v in item.answer_type.values})
        found[item.code] = sorted({sum(c) / len(item.keys) for c in product(scores, repeat=len(item.keys))})
    return found


def _recovered(before, after, truth, questionnaire, tolerance: float) -> int:  # type: ignore[no-untyped-def]
    """Items whose value for the one new member follows from a group figure shown before and after."""
    possible = _possible(questionnaire)
    found = 0
    for item, value in truth.items():
        if item not in before or item not in after:
            continue
        (n1, m1), (n2, m2) = before[item], after[item]
        if n2 - n1 != 1:
            continue
        guess = n2 * m2 - n1 * m1
        nearest = min(possible[item], key=lambda v: abs(v - guess))
        if abs(guess - value) <= tolerance and nearest == pytest.approx(value):
            found += 1
    return found


@pytest.fixture
def staff(app, client, session):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    sign_in(client, session, "admin")
    return client


def _business_groups(client) -> dict[str, tuple[int, float]]:  # type: ignore[no-untyped-def]
    """Per item, the business group's (count, mean) as the results API names it among the lowest groups."""
    office = client.get(f"/staff/api/results?office={OWN}").json["offices"][0]
    found = {}
    for line in (office.get("improvement") or {}).get("items", []):
        for group in line["lowest_types"]:
            if group["group"] == "business":
                found[line["item"]] = (group["count"], group["score"])
    return found


def test_group_means_do_not_give_one_business_away(staff, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(20)
    today = local_today()
    sums: dict[str, float] = {}
    for rtype, n in (("individual", 10), ("business", 5)):
        for _ in range(n):
            raw = _answers(questionnaire, rng)
            _store(session, cycle, questionnaire, raw, rtype, today, released=True)
            if rtype == "business":
                for item, v in _item_values(questionnaire, raw).items():
                    sums[item] = sums.get(item, 0.0) + v
    before = _business_groups(staff)
    assert len(before) == 15 and all(n == 5 for n, _m in before.values()), "both types are shown per item"

    target = _answers(questionnaire, rng)
    truth = _item_values(questionnaire, target)
    _store(session, cycle, questionnaire, target, "business", today, released=False)
    for _ in range(4):
        _store(
            session, cycle, questionnaire, _answers(questionnaire, rng), "individual", today, released=False
        )
    assert _release(session, cycle, questionnaire) == 5

    # The attack works on the true group figures: it recovers every item (so this test can fail).
    true_before = {item: (5, s / 5) for item, s in sums.items()}
    true_after = {item: (6, (s + truth[item]) / 6) for item, s in sums.items()}
    assert _recovered(true_before, true_after, truth, questionnaire, 1e-9) == 15

    after = _business_groups(staff)
    office = staff.get(f"/staff/api/results?office={OWN}").json["offices"][0]
    assert office["count"] == 20, "the batch was released and the office's results moved"
    assert _recovered(before, after, truth, questionnaire, 1e-6) == 0
    assert after == before, "the business group gained 1 < K: its figures stay as last shown"


@pytest.fixture
def late_november(app_clock, app, session, questionnaire):  # type: ignore[no-untyped-def]
    """The clock on 30 November 2026 (Bangkok) and the open cycle of that fiscal year."""
    app_clock.set(dt.datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK))
    cycle, _ = ensure_open_cycle(session, local_today(), questionnaire)
    session.commit()
    return cycle


MONTH_ROW = re.compile(r'<tr id="trend-(\d{4}-\d\d)"><th scope="row">[^<]*</th><td class="num">(\d+)</td>')
ITEM_ROW = re.compile(r'<tr><th scope="row">(E\d+)</th>(.*?)</tr>')
CELL = re.compile(r'<td class="num">([^<]*)')


def _months(client) -> dict[str, dict[str, tuple[int, float]]]:  # type: ignore[no-untyped-def]
    """Per month shown on the office page: per item, (responses, the two-decimal mean the page prints)."""
    page = client.get(f"/staff/offices/{OWN}?lang=en").get_data(as_text=True)
    counts = {month: int(n) for month, n in MONTH_ROW.findall(page)}
    months = list(dict.fromkeys(re.findall(r'<tr id="trend-(\d{4}-\d\d)"', page)))
    found: dict[str, dict[str, tuple[int, float]]] = {m: {} for m in counts}
    items_table = page[page.index("<details><summary>") :] if "<details><summary>" in page else ""
    for item, cells in ITEM_ROW.findall(items_table):
        for month, cell in zip(months, CELL.findall(cells), strict=False):
            number = re.match(r"\s*(\d+\.\d\d)", cell)
            if number and month in counts:
                found[month][item] = (counts[month], float(number.group(1)))
    return found


def test_a_month_shown_again_does_not_give_one_respondent_away(
    staff, session, late_november, questionnaire, app_clock
) -> None:  # type: ignore[no-untyped-def]
    cycle = late_november
    rng = random.Random(11)
    nov_sums: dict[str, float] = {}
    for day, n in ((dt.date(2026, 10, 15), 8), (dt.date(2026, 11, 10), 10)):
        for _ in range(n):
            raw = _answers(questionnaire, rng)
            _store(session, cycle, questionnaire, raw, "individual", day, released=True)
            if day.month == 11:
                for item, v in _item_values(questionnaire, raw).items():
                    nov_sums[item] = nov_sums.get(item, 0.0) + v
    before = _months(staff)
    assert before["2026-11"] and all(n == 10 for n, _m in before["2026-11"].values())

    # Sent on 30 November, waiting; four more in December release the batch.
    target = _answers(questionnaire, rng)
    truth = _item_values(questionnaire, target)
    _store(session, cycle, questionnaire, target, "individual", dt.date(2026, 11, 30), released=False)
    for day in (1, 2, 3, 4):
        _store(session, cycle, questionnaire, _answers(questionnaire, rng), "individual",
               dt.date(2026, 12, day), released=False)  # fmt: skip
    app_clock.set(dt.datetime(2026, 12, 4, 10, 0, tzinfo=BANGKOK))
    assert _release(session, cycle, questionnaire) == 5

    # From the true November sums the attack recovers every item even through two-decimal rounding.
    rounded_before = {i: (10, round(s / 10, 2)) for i, s in nov_sums.items()}
    rounded_after = {i: (11, round((s + truth[i]) / 11, 2)) for i, s in nov_sums.items()}
    assert _recovered(rounded_before, rounded_after, truth, questionnaire, 0.2) == 15

    after = _months(staff)
    assert _recovered(before["2026-11"], after.get("2026-11", {}), truth, questionnaire, 0.2) == 0
    assert after["2026-11"] == before["2026-11"], "a month, once past, never changes"
    assert {n for n, _m in after["2026-12"].values()} == {5}, "December holds the batch released in December"
