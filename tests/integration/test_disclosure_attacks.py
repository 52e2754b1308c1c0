"""The two attacks of issue 20 played through HTTP as an office's own staff, on SQLite and PostgreSQL.

Respondents answer through the real survey form (poster link, K = 5, releases as the product makes them); a
member of staff of the office, signed in through the real login form, looks after every submission and keeps
what they saw. The attacker (``tests/disclosure_attack.py``) then turns the figures into equations, one system per
item, and counts the items of the target respondent whose score it recovers exactly.

* **Group means**: 10 citizens and 5 businesses released; the target business answers, then 4 citizens, which
  releases the batch. ``/staff/api/results`` lists each item's lowest respondent types with count and mean, so the
  business group seen at 5 and at 6 gives the sixth business's answer.
* **A month shown again**: 10 responses in October and 10 in November released; the target answers on
  30 November and is released in December's first batch (with 4 December answers), which re-opens November with
  11 responses instead of 10 in the office page's monthly item table (means shown to two decimals) while months
  are dated by submission (the attacker also knows every release date, for months dated by release).

The guarantee (issue 20): no combination of what staff were shown pins down one response, so each attack recovers
``GUARANTEED`` items. On the code before the release snapshots both recovered 15 of 15.
"""

from __future__ import annotations

import datetime as dt
import html
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from survey_app.questionnaire import Questionnaire
from survey_app.services.accounts import staff as accounts
from survey_app.services.cycles.seeding import ensure_open_cycle
from tests import survey_helpers
from tests.disclosure_attack import Figure, item_values, mean_figure, reconstruct
from tests.helpers import login
from tests.survey_helpers import form_data, poster_link, poster_path, random_answers

store = survey_helpers.store  # fixture: see tests/survey_helpers.py

OFFICE = "50"
K = 5
GUARANTEED = 0  # items of the target any attack may recover
PASSWORD = "correct horse battery staple"
STAFF_EMAIL = "clerk50@industry.test"
BANGKOK_NOON = dt.time(5, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(make_app: Any) -> Flask:
    """K = 5, released by the submission that completes a batch (the attacks of the issue happen within a day;
    ``RELEASE_SCHEDULE`` is ignored where releases have no schedule), no too-fast flag (the test answers in
    milliseconds) and no submission limit in reach."""
    app: Flask = make_app(
        SUPPRESS_BELOW=K, RELEASE_SCHEDULE="at_k", SUBMIT_RATE_LIMIT="1000 per minute", MIN_SECONDS=0
    )
    return app


@dataclass
class Office:
    """One office seen from both sides: respondents answering at its poster, and a member of its staff."""

    app: Flask
    store: Session
    questionnaire: Questionnaire
    clock: Any
    path: str = ""
    staff: Any = None
    rng: random.Random = field(default_factory=lambda: random.Random(20))
    truth: dict[str, dict[str, Fraction]] = field(default_factory=dict)  # label → item → score
    kind: dict[str, str] = field(default_factory=dict)  # label → respondent type
    day: dict[str, dt.date] = field(default_factory=dict)  # label → date answered
    order: list[str] = field(default_factory=list)  # labels in the order they answered
    released_on: dict[str, dt.date] = field(default_factory=dict)  # label → date staff first saw it released

    @property
    def released(self) -> list[str]:
        """The responses released so far, as the attacker names them."""
        return self.order[: len(self.released_on)]

    def look(self) -> dict[str, Any]:
        """The office as ``/staff/api/results`` shows it. Every release takes all that waits, so the released
        responses are the first ``count`` to have answered: the attacker names them from the count alone."""
        shown: dict[str, Any] = self.view(f"/staff/api/results?office={OFFICE}").json["offices"][0]
        assert len(self.released_on) <= shown["count"] <= len(self.order)
        for label in self.order[len(self.released_on) : shown["count"]]:
            self.released_on[label] = self.today()
        return shown

    def today(self) -> dt.date:
        """The application's date in Bangkok."""
        now: dt.datetime = self.clock()
        return now.astimezone(dt.timezone(dt.timedelta(hours=7))).date()

    def answer(self, label: str, rtype: str = "individual") -> None:
        """``label`` answers every item at random through the survey form, on the clock's date."""
        client = self.app.test_client()
        page = client.get(self.path + "?new=1").text
        raw, fields = random_answers(self.questionnaire, self.rng)
        data = form_data(page, self.questionnaire, respondent_type=rtype, **fields)
        assert client.post(self.path, data=data).status_code == 303
        measures = self.questionnaire.measures(raw)
        self.truth[label] = {item.code: _exact(measures[item.code]) for item in self.questionnaire.items}
        self.kind[label] = rtype
        self.day[label] = self.today()
        self.order.append(label)

    def on(self, day: dt.date) -> None:
        """Move the application's clock to noon of ``day`` in Bangkok (the member of staff signs in again: a
        session does not outlive a night)."""
        self.clock.set(dt.datetime.combine(day, BANGKOK_NOON))
        self.sign_in()

    def sign_in(self) -> None:
        """A fresh signed-in staff client of the office."""
        self.staff = self.app.test_client()
        assert login(self.staff, STAFF_EMAIL, PASSWORD).status_code == 302

    def view(self, url: str) -> Any:
        """GET ``url`` as the member of staff; it must answer 200."""
        response = self.staff.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response


def _exact(score: float) -> Fraction:
    return Fraction(score).limit_denominator(1000)


@pytest.fixture
def office(app: Flask, store: Session, questionnaire: Questionnaire, app_clock: Any) -> Office:
    """The office on 15 October 2026 (so every date of the test falls in the 2570 cycle), its poster link and an
    office-role account of it signed in."""
    app_clock.set(dt.datetime.combine(dt.date(2026, 10, 15), BANGKOK_NOON))
    cycle, _ = ensure_open_cycle(store, dt.date(2026, 10, 15), questionnaire)
    store.commit()
    seen = Office(
        app, store, questionnaire, app_clock, path=poster_path(app, poster_link(store, cycle, OFFICE))
    )
    accounts.create_staff(store, STAFF_EMAIL, "office", PASSWORD, OFFICE)
    store.commit()
    seen.sign_in()
    return seen


def _grids(questionnaire: Questionnaire) -> dict[str, frozenset[Fraction]]:
    return {
        item.code: item_values([o.score for o in item.answer_type.options], len(item.keys))
        for item in questionnaire.items
    }


def _recovered(office: Office, figures: dict[str, list[Figure]], target: str) -> tuple[int, int]:
    """(items whose system pins the target down, items whose score of the target is recovered exactly and right)."""
    grids = _grids(office.questionnaire)
    determined = recovered = 0
    for item, item_figures in figures.items():
        found = reconstruct(item_figures, admissible=grids[item])
        determined += target in found.determined
        value = found.recovered.get(target)
        if value is not None:
            assert value == office.truth[target][item], "the attack machinery worked out a wrong value"
            recovered += 1
    return determined, recovered


# --- the group-means attack ----------------------------------------------------------------------------------------


def _api_figures(office: Office, figures: dict[str, list[Figure]]) -> None:
    """Read ``/staff/api/results`` and add each item's office mean and lowest-group means, with the members the
    attacker knows them to cover."""
    shown = office.look()
    released = office.released
    if not shown.get("items"):
        return
    for code, score in shown["items"].items():
        if score and score.get("unweighted"):
            figures.setdefault(code, []).append(mean_figure(released, score["unweighted"]["mean"]))
    for line in (shown.get("improvement") or {}).get("items", []):
        for group in line["lowest_types"]:
            # Where a group mean moves only when its group gained K, the value shown covers the group's first
            # ``count`` members in release order (whole batches), which the attacker tells from the count.
            members = [r for r in released if office.kind[r] == group["group"]][: group["count"]]
            assert len(members) == group["count"]
            figures.setdefault(line["item"], []).append(mean_figure(members, group["score"]))


def _group_means_attack(office: Office) -> tuple[int, int]:
    figures: dict[str, list[Figure]] = {}

    def answer(label: str, rtype: str) -> None:
        office.answer(label, rtype)
        _api_figures(office, figures)

    for n in range(15):
        answer(f"c{n}" if n < 10 else f"b{n - 10}", "individual" if n < 10 else "business")
    answer("target", "business")
    for n in range(4):
        answer(f"c{10 + n}", "individual")
    assert "target" in office.released, "the attack needs the target released"
    return _recovered(office, figures, "target")


def test_group_means_seen_before_and_after_a_release_give_no_answer_away(office: Office) -> None:
    determined, recovered = _group_means_attack(office)
    assert (determined, recovered) == (GUARANTEED, GUARANTEED)


# --- the month attack -----------------------------------------------------------------------------------------------

TREND_ROW = re.compile(r'<tr id="trend-(\d{4}-\d{2})"><th scope="row">[^<]*</th><td class="num">([^<]*)</td>')
ITEM_ROW = re.compile(r'<tr><th scope="row">(E\d+)</th>(.*?)</tr>')
CELL = re.compile(r'<td class="num">(.*?)</td>')
MEAN = re.compile(r"^(-?\d+\.\d{2})")


def _month_figures(office: Office, figures: dict[str, list[Figure]]) -> None:
    """Read the office page's monthly tables: each shown month's item means (two decimals), with the members the
    attacker knows that month to hold: the released responses answered in it or, when months are dated by release,
    those released in it (whichever the month's count fits; one must)."""
    office.look()
    released = office.released
    page = office.view(f"/staff/offices/{OFFICE}").text
    months = TREND_ROW.findall(page)
    if not months:
        return
    for code, cells in ITEM_ROW.findall(page):
        for (month, count), cell in zip(months, CELL.findall(cells), strict=True):
            mean = MEAN.match(html.unescape(cell).strip())
            if mean is None:
                continue  # hidden
            by_answer = [r for r in released if office.day[r].strftime("%Y-%m") == month]
            by_release = [r for r in released if office.released_on[r].strftime("%Y-%m") == month]
            members = by_answer if len(by_answer) == int(count) else by_release
            assert len(members) == int(count), "the attacker cannot tell which responses a month holds"
            figures.setdefault(code, []).append(mean_figure(members, mean.group(1), decimals=2))


def _month_attack(office: Office) -> tuple[int, int]:
    figures: dict[str, list[Figure]] = {}

    def answer(label: str) -> None:
        office.answer(label)
        _month_figures(office, figures)

    for n in range(10):
        office.on(dt.date(2026, 10, 15 + n))
        answer(f"oct{n}")
    for n in range(10):
        office.on(dt.date(2026, 11, 10 + n))
        answer(f"nov{n}")
    office.on(dt.date(2026, 11, 30))
    answer("target")
    for n in range(4):
        office.on(dt.date(2026, 12, 1))
        answer(f"dec{n}")
    assert "target" in office.released, "the attack needs the target released"
    return _recovered(office, figures, "target")


def test_a_month_shown_again_after_a_late_release_gives_no_answer_away(office: Office) -> None:
    determined, recovered = _month_attack(office)
    assert (determined, recovered) == (GUARANTEED, GUARANTEED)
