"""The office dashboard: counts, breakdowns with K-suppression, progress, forecast, results, invitations,
suggestions and the live feed — each number checked against what the test stored, computed here."""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from survey_app.clock import local_today, utc_now
from survey_app.models import Invitation, PopulationFrame
from survey_app.services.results.disclosure import suppress
from survey_app.templating import format_date

from .staff_data import OWN, Spec, add_responses, expected_eit, isolate_requests, raw_answers, sign_in


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


K = 5


def _num(html: str, key: str) -> int:
    match = re.search(rf'data-live="{re.escape(key)}">([\d,]+)<', html)
    assert match, f"no number {key} on the page"
    return int(match.group(1).replace(",", ""))


def _cell(html: str, breakdown: str, code: str) -> str:
    match = re.search(rf'id="bd-{breakdown}-{code}">(.*?)</td>', html, re.S)
    assert match, f"no cell {breakdown}/{code}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


# --- suppression rule (pure) -------------------------------------------------------------------------------------


def test_cells_under_k_are_hidden_and_a_lone_hidden_cell_takes_the_next_smallest_with_it() -> None:
    lone = suppress({"poster": 10, "email": 4}, K)
    assert [(c.code, c.count) for c in lone.cells] == [("poster", None), ("email", None)]
    two = suppress({"a": 9, "b": 4, "c": 1, "d": 7}, K)
    assert {c.code: c.count for c in two.cells} == {"a": 9, "b": None, "c": None, "d": 7}
    one_of_three = suppress({"a": 9, "b": 2, "c": 7}, K)
    assert {c.code: c.count for c in one_of_three.cells} == {"a": 9, "b": None, "c": None}


def test_a_breakdown_covering_fewer_than_k_responses_is_hidden_whole_and_zeros_stay_visible() -> None:
    small = suppress({"a": 2, "b": 2}, K)
    assert small.hidden and small.total == 4
    zeros = suppress({"a": 6}, K, order=["a", "b"])
    assert {c.code: c.count for c in zeros.cells} == {"a": 6, "b": 0}
    assert not zeros.hidden


# --- the page ----------------------------------------------------------------------------------------------------


@pytest.fixture
def office_data(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    specs = (
        [Spec(days_ago=0, channel="poster")] * 3
        + [Spec(rtype="business", service="mining", channel="email", days_ago=3)] * 4
        + [Spec(service="information", days_ago=20)] * 5
        + [Spec(rtype="agency", service="other", days_ago=2, too_fast=True)]
        + [Spec(days_ago=1, straight=True)]
    )
    add_responses(session, cycle, questionnaire, OWN, specs)
    return specs


def test_headline_counts_match_what_was_stored(client, session, cycle, office_data) -> None:
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert (_num(page, "today"), _num(page, "last7"), _num(page, "total")) == (3, 9, 14)
    live = client.get(f"/staff/offices/{OWN}/live.json").json
    assert (live["today"], live["last7"], live["total"]) == (3, 9, 14)


def test_breakdowns_hide_groups_under_k(client, session, cycle, office_data) -> None:
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    # Channels: 10 poster, 4 email: email is under K and poster would give it away, so both are hidden.
    assert _cell(page, "channel", "email") == "fewer than 5"
    assert _cell(page, "channel", "poster") == "hidden to protect a smaller group", "10: not fewer than 5"
    # Types: 9 individual, 4 business, 1 agency: two hidden, so individual stays.
    assert _cell(page, "respondent_type", "individual") == "9"
    assert _cell(page, "respondent_type", "business") == "fewer than 5"
    assert _cell(page, "respondent_type", "agency") == "fewer than 5"
    assert _cell(page, "service", "procurement") == "0"


def test_flagged_responses_are_counted_and_the_comparison_without_them_is_hidden_under_k(
    client, session, cycle, office_data
) -> None:
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    # 2 flagged of 14 (1 too fast, 1 straight-lined): every count is below K, so each is hidden, not shown.
    hidden = '<span class="suppressed">hidden</span>'
    assert f"Flagged responses</dt><dd>{hidden}<" in page
    assert f"Answered too fast</dt><dd>{hidden}<" in page
    assert f"Same answer to every item</dt><dd>{hidden}<" in page
    assert "Scores without flagged responses are hidden" in page
    assert "Without flagged responses" not in page


def test_scores_are_the_mean_of_the_answers_and_marked_provisional(
    client, session, cycle, questionnaire
) -> None:
    specs = [Spec(level=3)] * 4 + [Spec(level=1)] * 3
    add_responses(session, cycle, questionnaire, OWN, specs)
    values = [expected_eit(questionnaire, raw_answers(questionnaire, s.level)) for s in specs]
    sign_in(client, session, "viewer")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    eit_row = re.search(r'<tr class="eit">(.*?)</tr>', page, re.S)
    assert eit_row
    assert f"{sum(values) / len(values):.2f}" in eit_row.group(1)
    assert "Provisional" in page
    assert "No population frame" in page


def test_results_are_hidden_below_k_responses(client, session, cycle, questionnaire) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 4)
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert (
        "Scores hidden: fewer than 5 answers released, so that no answer can be traced to a person." in page
    )
    assert 'class="eit"' not in page
    api = client.get(f"/staff/api/results?office={OWN}").json
    assert api["offices"][0]["suppressed"] is True and api["offices"][0]["eit"] is None


def test_k_is_configurable(make_app, session, cycle, questionnaire) -> None:
    app = make_app(SUPPRESS_BELOW=3)
    client = app.test_client()
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 4)
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert 'class="eit"' in page and "Scores hidden" not in page


def test_progress_margin_of_error_and_requirement_come_from_the_population_frame(
    client, session, cycle, questionnaire
) -> None:
    session.add(PopulationFrame(cycle_id=cycle.id, office_code=OWN, respondent_type="individual",
                                service="factory_licensing", served=1000))  # fmt: skip
    session.commit()
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=d) for d in range(6)])
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    # Krejcie & Morgan for N = 1,000 is 278 (their table), above the fixed minimum of 100.
    assert re.search(r"Statistical requirement</dt><dd>278 ", page)
    assert re.search(
        r"Required</dt><dd>278 <span class=\"hint\">\(set by the statistical requirement\)", page
    )
    margin = 1.959964 * math.sqrt(0.25 / 6 * (1000 - 6) / (1000 - 1)) * 100
    assert f"±{margin:.1f} percentage points" in page
    assert "fixed minimum 100</text>" in page and "statistical 278</text>" in page


def test_forecast_uses_the_pace_of_the_last_14_days(client, session, cycle, questionnaire) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=d % 14) for d in range(28)])
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    pace = 28 / 14
    reached = local_today() + dt.timedelta(days=math.ceil((cycle.min_sample - 28) / pace))
    expected = format_date(reached, "en") if reached <= cycle.closes_on else None
    if expected:
        assert f"Adequate on</dt><dd>{expected}" in page
    assert "2.0 a day" in page


def test_forecast_says_not_at_this_pace_when_nothing_came_lately(
    client, session, cycle, questionnaire
) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=30)] * 6)
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert "not at this pace" in page


def test_daily_chart_has_one_bar_per_day_with_the_stored_counts(client, session, cycle, office_data) -> None:
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    bars = re.findall(r'<rect class="bar[^"]*"[^>]*><title>(\d{4}-\d\d-\d\d): (\d+)</title>', page)
    assert len(bars) == 60
    by_day = {day: int(n) for day, n in bars}
    today = local_today()
    assert by_day[today.isoformat()] == 3
    assert by_day[(today - dt.timedelta(days=3)).isoformat()] == 4
    assert by_day[(today - dt.timedelta(days=20)).isoformat()] == 5
    assert sum(by_day.values()) == 14


def test_invitation_counts_are_shown(client, session, cycle) -> None:
    now = utc_now()
    rows = [("sent", True), ("sent", False), ("sent", False), ("failed", False), ("opted_out", False)] + [
        ("pending", False)
    ] * 2
    for i, (status, responded) in enumerate(rows):
        session.add(Invitation(cycle_id=cycle.id, office_code=OWN, email=f"c{i}@example.test", status=status,
                               responded=responded, sent_at=now if status == "sent" else None))  # fmt: skip
    session.commit()
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    for label, value in (("Invitations sent", 3), ("Answered", 1), ("Failed", 1), ("Opted out", 1),
                         ("Waiting to be sent", 2)):  # fmt: skip
        assert re.search(rf"{label}</dt><dd>{value}<", page), label


def test_suggestions_are_hidden_below_k(client, session, cycle, questionnaire) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec(suggestion=f"idea number {i}") for i in range(4)])
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert "idea number" not in page
    assert "Suggestions are shown once at least 5 have been written" in page


def test_suggestions_are_bare_text_in_random_order(client, session, cycle, questionnaire) -> None:
    texts = [f"idea number {i}" for i in range(7)]
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(suggestion=t) for t in texts] + [Spec(suggestion="  ")]
    )
    sign_in(client, session, "admin")
    orders = set()
    for _ in range(8):
        page = client.get(f"/staff/offices/{OWN}?lang=en").text
        items = re.findall(r"<li>(idea number \d)</li>", page)
        assert sorted(items) == texts
        orders.add(tuple(items))
    assert len(orders) > 1
    assert "7 suggestions" in page


def test_counts_of_another_office_do_not_leak_into_this_one(client, session, cycle, questionnaire) -> None:
    add_responses(session, cycle, questionnaire, "12", [Spec()] * 9)
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 2)
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert _num(page, "total") == 2
    assert client.get("/staff/offices/12/live.json").status_code == 404


def test_live_counts_are_refreshed_by_an_external_script_and_the_page_works_without_it(
    client, session, cycle, office_data
) -> None:
    sign_in(client, session, "admin")
    page = client.get(f"/staff/offices/{OWN}").text
    script = re.search(r'<script src="(/static/js/live\.[0-9a-f]{10}\.js)" defer></script>', page)
    assert script is not None
    assert f'data-live-url="/staff/offices/{OWN}/live.json?cycle={cycle.code}"' in page
    assert "<script>" not in page and "style=" not in page
    assert client.get(script.group(1)).status_code == 200
