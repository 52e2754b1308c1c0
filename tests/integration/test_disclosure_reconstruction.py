"""Issue 20's reconstruction test: an office's own staff keep every figure they were ever shown, and try to work out
one respondent's answers from all of them together, through the product as shipped.

**The stream.** 306 respondents answer one office's poster through the real survey form, at random instants of
office hours over 90 days (3 respondent types × 8 services, every item answered at random, each from its own
address so no quality flag is raised). Releases follow the product's daily schedule (``SURVEY_RELEASE_SCHEDULE=daily``:
once a day at a keyed random time, every waiting response when at least K wait; the first staff request after that
time releases). After *every* submission a member of the office's staff (an ``office``-role account signed in
through the login form) takes three views: the office page ``/staff/offices/<code>`` (the scores table, the
"lowest groups" of the gap table, the monthly EIT/indicator table and the monthly item table, the cycle table),
``/staff/api/results?office=<code>`` (item, indicator and EIT means with the count, the lowest respondent types and
services of each item with their count and mean) and the office's download ``/staff/offices/<code>/results.xlsx``
(its score sheet and the gap sheet).

**The attacker** (conservative: it knows more than a clerk does). It knows every response's respondent type,
service, day and order of arrival (the live counts per type, seen after each submission, give the first; the clerk
is at the counter for the others); only the answers are unknown. It knows the release batches: every release takes
everything waiting, so the released responses are the first ``count`` to have answered, and each jump of the count
between two views is one batch. Each figure shown is a mean (or a set of means, one per measure) over a group of
responses: the office's released responses, a respondent type's, a service's, a month's (dated by submission or by
release; the attacker tries both), or the same restricted to the batches up to some release (a value shown again).
The attacker names a figure's members by elimination: every such group, cut at every release so far, whose count
matches the shown count (when one is shown) and whose true means match every shown mean within its shown precision
(two decimals on the page, ten significant digits in the API and the spreadsheet) is a *candidate*, and **every**
candidate enters the system. Where the attacker cannot tell which group a figure covers, it is thus credited with
all the groups it might be (a superset of what it can know: the conservative side). A figure no candidate
explains fails the test (the product showed something this model does not describe).

**The check.** Which responses the figures pin down depends only on their memberships, not on the values, so one
call of ``tests.disclosure_attack.pinned`` over every distinct group ever entered (exact rational elimination,
independent of the product's auditor) decides, for every item at once, whether some response's value follows from
everything shown. With the product as shipped (K = 5) it must be none. With the model switched off (K = 1, which
turns suppression off and releases each response as it is stored, and the auditor disabled by a test switch: its
``would_determine`` answers "nothing") the same stream must pin some responses down, so the test can fail.
Membership is the whole question: a value shown rounded only adds uncertainty, so "not pinned" is the strong claim,
and each figure's values are still checked against the true means of the group it is entered as.

Run times on the project's 2-core machine (``-p no:xdist``, other work running): see each test's docstring.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from survey_app.clock import BANGKOK
from survey_app.questionnaire import Questionnaire
from survey_app.services.accounts import staff as accounts
from survey_app.services.cycles.seeding import ensure_open_cycle
from survey_app.stats import audit
from tests import survey_helpers
from tests.disclosure_attack import pinned
from tests.helpers import login
from tests.survey_helpers import form_data, poster_link, poster_path, random_answers

store = survey_helpers.store  # fixture: see tests/survey_helpers.py

OFFICE = "50"
PASSWORD = "correct horse battery staple"
STAFF_EMAIL = "clerk50@industry.test"
FIRST_DAY = dt.date(2026, 10, 5)  # the 2570 cycle (fiscal year from 1 October 2026)
DAYS = 90
RESPONSES = 306
OFF_RESPONSES = 60  # the switched-off run: see its docstring
TYPES = ("individual", "business", "agency")
SERVICES = (
    "factory_licensing", "mining", "community_standards", "industrial_standards", "complaints", "procurement",
    "information", "other",
)  # fmt: skip
PAGE_TOLERANCE = Fraction(1, 200) + Fraction(1, 10**9)  # two decimals
PAGE_GROUP_TOLERANCE = Fraction(1, 20) + Fraction(1, 10**9)  # one decimal (the gap table's lowest groups)
EXACT_TOLERANCE = Fraction(1, 10**6)  # ten significant digits of a score below 100


# --- the office, both sides ------------------------------------------------------------------------------------------


@dataclass
class Shown:
    """One figure as shown: where (``kind`` and ``code``: a respondent type, a service, a month, "" for the office),
    its count when shown, and each measure's value with the precision it was shown at."""

    kind: str
    code: str
    count: int | None
    values: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)  # measure → (value, tolerance)


@dataclass
class Stream:
    """Respondents answering at the office's poster, and a member of its staff looking after each of them."""

    app: Flask
    questionnaire: Questionnaire
    clock: Any
    path: str
    rng: random.Random
    staff: Any = None
    signed_in_on: dt.date | None = None
    truth: list[dict[str, Fraction]] = field(default_factory=list)  # by arrival: measure → exact value
    rtype: list[str] = field(default_factory=list)
    service: list[str] = field(default_factory=list)
    day: list[dt.date] = field(default_factory=list)
    batch: list[int] = field(
        default_factory=list
    )  # per released response: its release, as the attacker numbers it
    released_on: list[dt.date] = field(default_factory=list)
    groups: set[frozenset[int]] = field(
        default_factory=set
    )  # every group ever entered into the attacker's system
    figures: int = 0
    ambiguous: int = 0  # figures entered as more than one candidate group
    _groups: dict[tuple[str, str, int], tuple[frozenset[int], dict[str, Fraction]]] = field(
        default_factory=dict
    )

    # -- respondents --

    def answer(self, when: dt.datetime) -> None:
        """One respondent answers every item at random through the survey form, at ``when``."""
        self.clock.set(when)
        n = len(self.truth)
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.{n // 250}.{n % 250}.7"
        page = client.get(self.path + "?new=1").text
        raw, fields = random_answers(self.questionnaire, self.rng, varied=True)
        rtype, service = self.rng.choice(TYPES), self.rng.choice(SERVICES)
        data = form_data(page, self.questionnaire, respondent_type=rtype, service=service, **fields)
        assert client.post(self.path, data=data).status_code == 303
        measures = self.questionnaire.measures(raw)
        self.truth.append({m: Fraction(v).limit_denominator(100_000) for m, v in measures.items()})
        self.rtype.append(rtype)
        self.service.append(service)
        self.day.append(when.astimezone(BANGKOK).date())

    # -- the member of staff --

    def sign_in(self) -> None:
        """A fresh signed-in staff client of the office (a session does not outlive a night)."""
        self.staff = self.app.test_client()
        assert login(self.staff, STAFF_EMAIL, PASSWORD).status_code == 302
        self.signed_in_on = self.today()

    def today(self) -> dt.date:
        now: dt.datetime = self.clock()
        return now.astimezone(BANGKOK).date()

    def get(self, url: str) -> Any:
        if self.signed_in_on != self.today():
            self.sign_in()
        response = self.staff.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    def look(self) -> None:
        """The three views, in the order a clerk takes them; every figure they show enters the system."""
        page = self.get(
            f"/staff/offices/{OFFICE}"
        ).text  # the first staff request after the day's time releases
        api = self.get(f"/staff/api/results?office={OFFICE}").json["offices"][0]
        xlsx = self.get(f"/staff/offices/{OFFICE}/results.xlsx").data
        self._released(int(api["count"]))
        for shown in [*_api_figures(api), *_page_figures(page, self), *_xlsx_figures(xlsx, api)]:
            self._enter(shown)

    def _released(self, count: int) -> None:
        """A jump of the released count is one release: it took every response waiting, oldest first."""
        before = len(self.batch)
        assert before <= count <= len(self.truth)
        if count > before:
            number = (self.batch[-1] if self.batch else 0) + 1
            self.batch += [number] * (count - before)
            self.released_on += [self.today()] * (count - before)

    # -- naming a figure's members --

    def _attribute(self, kind: str, i: int) -> str:
        return {
            "all": "",
            "type": self.rtype[i],
            "service": self.service[i],
            "month_answered": self.day[i].strftime("%Y-%m"),
            "month_released": self.released_on[i].strftime("%Y-%m"),
        }[kind]

    def _group(self, kind: str, code: str, upto: int) -> tuple[frozenset[int], dict[str, Fraction]]:
        """The released responses of group ``code`` of ``kind`` in batches 1..``upto``, with the sum of each
        measure (a batch never changes once released, so each is built once, from the one before)."""
        key = (kind, code, upto)
        if key not in self._groups:
            members, sums = self._group(kind, code, upto - 1) if upto > 1 else (frozenset(), {})
            new = [i for i, b in enumerate(self.batch) if b == upto and self._attribute(kind, i) == code]
            sums = dict(sums)
            for i in new:
                for measure, value in self.truth[i].items():
                    sums[measure] = sums.get(measure, Fraction(0)) + value
            self._groups[key] = (members | frozenset(new), sums)
        return self._groups[key]

    def candidates(self, shown: Shown) -> list[frozenset[int]]:
        """Every group the figure may cover (see the module docstring)."""
        kinds = ["month_answered", "month_released"] if shown.kind == "month" else [shown.kind]
        found = []
        for kind in kinds:
            for upto in range(1, (self.batch[-1] if self.batch else 0) + 1):
                members, sums = self._group(kind, shown.code, upto)
                if not members or (shown.count is not None and len(members) != shown.count):
                    continue
                if all(abs(sums[m] / len(members) - v) <= tol for m, (v, tol) in shown.values.items()):
                    found.append(members)
        return list(dict.fromkeys(found))

    def _enter(self, shown: Shown) -> None:
        found = self.candidates(shown)
        assert found, f"no group of responses explains the figure {shown}"
        self.figures += 1
        self.ambiguous += len(found) > 1
        self.groups.update(found)


# --- reading the views -----------------------------------------------------------------------------------------------


def _exact(value: float | str) -> Fraction:
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _api_figures(office: dict[str, Any]) -> Iterator[Shown]:
    """The office's measures (with its count) and each item's lowest groups (with theirs)."""
    if office.get("items"):
        everything = Shown("all", "", int(office["count"]))
        measures = {**office["items"], **(office.get("indicators") or {}), "EIT": office.get("eit")}
        for code, score in measures.items():
            if score and score.get("unweighted"):
                everything.values[code] = (_exact(score["unweighted"]["mean"]), EXACT_TOLERANCE)
        if everything.values:
            yield everything
    groups: dict[tuple[str, str, int], Shown] = {}
    for line in (office.get("improvement") or {}).get("items", []):
        for kind, key in (("type", "lowest_types"), ("service", "lowest_services")):
            for group in line[key]:
                ident = (kind, group["group"], int(group["count"]))
                shown = groups.setdefault(ident, Shown(*ident))
                shown.values[line["item"]] = (_exact(group["score"]), EXACT_TOLERANCE)
    yield from groups.values()


SCORE_ROW = re.compile(r'<tr class="(eit|indicator|item)">\s*<th scope="row">(.*?)</th>(.*?)</tr>', re.S)
SCORE_CELL = re.compile(
    r'<td class="num">(?:<span class="score">(-?\d+\.\d\d)</span>[^<]*(?:<span class="ci">[^<]*</span>)?|–)</td>'
)
TREND_ROW = re.compile(
    r'<tr id="trend-(\d{4}-\d{2})"><th scope="row">[^<]*</th><td class="num">([^<]*)</td>(.*?)</tr>', re.S
)
ITEM_MONTH_ROW = re.compile(r'<tr><th scope="row">(E\d+)</th>((?:<td class="num">.*?</td>)+)</tr>')
CELL = re.compile(r'<td class="num">(.*?)</td>')
MEAN = re.compile(r"^(-?\d+\.\d{2})")
GAP_ROW = re.compile(r'<tr id="gap-(E\d+)">.*?</td>\s*<td>(.*?)</td>\s*</tr>', re.S)
GROUP = re.compile(r"([^,;]+?) (-?\d+\.\d)(?=,|;|$)")
CYCLE_ROW = re.compile(r'<table class="compact" id="cycles-table">.*?<tbody>(.*?)</tbody>', re.S)


def _page_figures(page: str, stream: Stream) -> Iterator[Shown]:
    """The scores table (measure codes from the row labels), the monthly tables, the gap table's lowest groups."""
    questionnaire = stream.questionnaire
    everything = Shown("all", "", None)
    codes = {ind.measure: f"Indicator {ind.code}" for ind in questionnaire.indicators}
    for kind, label, cells in SCORE_ROW.findall(page):
        label = html.unescape(label)
        scores = SCORE_CELL.findall(cells)
        if len(scores) < 2 or not scores[1]:
            continue  # the second score cell is the unweighted one
        code = "EIT" if kind == "eit" else label.split(" ")[0]
        if kind == "indicator":
            code = next(m for m, _l in codes.items() if label.split("·")[0].strip().endswith(m[3:]))
        everything.values[code] = (Fraction(scores[1]), PAGE_TOLERANCE)
    if everything.values:
        yield everything
    months: dict[str, Shown] = {}
    order = []
    indicators = [ind.measure for ind in questionnaire.indicators if ind.code in questionnaire.eit_indicators]
    for month, count, cells in TREND_ROW.findall(page):
        order.append(month)
        values = CELL.findall(cells)
        if not count.strip().isdigit():
            continue
        shown = months.setdefault(month, Shown("month", month, int(count)))
        for measure, cell in zip(["EIT", *indicators], values, strict=True):
            mean = MEAN.match(html.unescape(cell).strip())
            if mean:
                shown.values[measure] = (Fraction(mean.group(1)), PAGE_TOLERANCE)
    for item, cells in ITEM_MONTH_ROW.findall(page):
        for month, cell in zip(order, CELL.findall(cells), strict=True):
            mean = MEAN.match(html.unescape(cell).strip())
            if mean and month in months:
                months[month].values[item] = (Fraction(mean.group(1)), PAGE_TOLERANCE)
            else:
                assert mean is None or month in months, "a month's items shown while its count is hidden"
    yield from (m for m in months.values() if m.values)
    labels = {c.label("th"): ("type", c.code) for c in questionnaire.respondent_type.choices}
    labels |= {c.label("th"): ("service", c.code) for c in questionnaire.service.choices}
    groups: dict[tuple[str, str], Shown] = {}
    for item, cell in GAP_ROW.findall(page):
        text = html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for name, score in GROUP.findall(text):
            kind, code = labels[name.strip()]
            shown = groups.setdefault((kind, code), Shown(kind, code, None))
            shown.values[item] = (Fraction(score), PAGE_GROUP_TOLERANCE)
    yield from groups.values()
    cycles = CYCLE_ROW.search(page)
    if cycles:
        for row in re.findall(r"<tr>(.*?)</tr>", cycles.group(1), re.S):
            cells = CELL.findall(row)
            mean = MEAN.match(html.unescape(cells[1]).strip()) if len(cells) > 1 else None
            if mean and cells[0].strip().isdigit():
                yield Shown("all", "", int(cells[0]), {"EIT": (Fraction(mean.group(1)), PAGE_TOLERANCE)})


def _xlsx_figures(body: bytes, api: dict[str, Any]) -> Iterator[Shown]:
    """The score sheet (measure, unweighted mean, count) and the gap sheet (each item's score on the basis the
    office page uses: unweighted without a frame)."""
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    sheets = {sheet.title: sheet for sheet in book.worksheets}
    everything: dict[int, Shown] = {}
    for row in list(sheets["คะแนน"].iter_rows(values_only=True))[1:]:
        code, mean, n = row[0], row[7], row[10]
        if mean is None or n is None:
            continue
        shown = everything.setdefault(int(n), Shown("all", "", int(n)))
        shown.values[str(code)] = (_exact(float(mean)), EXACT_TOLERANCE)
    yield from everything.values()
    if "สิ่งที่ฉุดคะแนน" in sheets:  # the gap sheet
        gap = Shown("all", "", None)
        for row in list(sheets["สิ่งที่ฉุดคะแนน"].iter_rows(values_only=True))[1:]:
            if row[0] is not None and row[3] is not None:
                gap.values[str(row[0])] = (_exact(float(row[3])), EXACT_TOLERANCE)
        if gap.values:
            yield gap


# --- the test --------------------------------------------------------------------------------------------------------


def _arrivals(rng: random.Random, responses: int) -> list[dt.datetime]:
    """``responses`` instants in office hours (08:30–16:30 Bangkok) over ``DAYS`` days, in order."""
    found = []
    for _ in range(responses):
        day = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        seconds = rng.randrange(8 * 3600 + 1800, 16 * 3600 + 1800)
        found.append(dt.datetime.combine(day, dt.time(), tzinfo=BANGKOK) + dt.timedelta(seconds=seconds))
    return sorted(found)


def _play(
    make_app: Any,
    store: Session,
    questionnaire: Questionnaire,
    app_clock: Any,
    k: int,
    responses: int = RESPONSES,
) -> Stream:
    """The whole stream with a view after every submission; returns what the attacker holds."""
    app: Flask = make_app(
        SUPPRESS_BELOW=k, RELEASE_SCHEDULE="daily", SUBMIT_RATE_LIMIT="100000 per minute", MIN_SECONDS=0
    )
    start = dt.datetime.combine(FIRST_DAY, dt.time(8), tzinfo=BANGKOK)
    app_clock.set(start)
    cycle, _ = ensure_open_cycle(store, FIRST_DAY, questionnaire)
    store.commit()
    accounts.create_staff(store, STAFF_EMAIL, "office", PASSWORD, OFFICE)
    store.commit()
    rng = random.Random(20)
    path = poster_path(app, poster_link(store, cycle, OFFICE))
    stream = Stream(app, questionnaire, app_clock, path, rng)
    for when in _arrivals(rng, responses):
        stream.answer(when)
        stream.look()
    assert len(stream.batch) >= responses - 4 * k, "most of the stream should have been released"
    print(  # shown with -s, or when the test fails
        f"K={k}: {len(stream.truth)} responses, {len(stream.batch)} released in {len(set(stream.batch))} releases; "
        f"{stream.figures} figures read, {stream.ambiguous} entered as several candidates, "
        f"{len(stream.groups)} distinct groups"
    )
    return stream


@pytest.fixture
def switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The auditor disabled: it says no figure would determine a response."""
    monkeypatch.setattr(audit.RowSpace, "would_determine", lambda self, rows: frozenset())


def test_nothing_staff_were_shown_over_90_days_pins_down_one_answer(
    make_app: Any, store: Session, questionnaire: Questionnaire, app_clock: Any
) -> None:
    """K = 5 as shipped: no response's value follows from every figure shown after every submission.

    7,860 figures, 163 distinct groups over 40 releases; nothing pinned. 122 s on SQLite, 161 s on PostgreSQL
    (2 cores, load average about 10 from other work)."""
    stream = _play(make_app, store, questionnaire, app_clock, k=5)
    assert len(set(stream.batch)) >= 20, "the stream should hold many releases"
    assert stream.figures > 1000
    assert pinned(stream.groups) == set()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_with_the_model_switched_off_the_same_views_pin_answers_down(
    make_app: Any, store: Session, questionnaire: Questionnaire, app_clock: Any, switched_off: None
) -> None:
    """K = 1 and the auditor off: the same kind of stream and views give respondents' answers away.

    60 arrivals drawn as above over the same 90 days (each response is a release of its own at K = 1, so every view
    costs a snapshot and each snapshot reads all the earlier ones: the full 306 took 555 s and pinned all 306 down;
    60 take 11 s and pin all 60). SQLite only: the backend does not change which groups are shown."""
    stream = _play(make_app, store, questionnaire, app_clock, k=1, responses=OFF_RESPONSES)
    given_away = pinned(stream.groups)
    print(f"K=1, auditor off: {len(given_away)} of {len(stream.truth)} responses pinned down")
    assert len(given_away) >= 10
