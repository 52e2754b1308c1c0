"""Trends: responses placed in known months give the monthly EIT (mean and interval computed here with the
statistics module), small months are hidden with their complement, and earlier cycles appear beside this one."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest

from survey_app.clock import local_today
from survey_app.models import Cycle
from survey_app.services.improvement import trends
from survey_app.services.results.snapshots import shown

from .staff_data import OWN, Spec, add_responses, expected_eit, isolate_requests, raw_answers, sign_in

TODAY = dt.date(2026, 11, 20)  # days_ago 0 → November, 30 → 21 October, 60 → 21 September
Z = 1.959963984540054


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _eit(questionnaire, level: int) -> float:  # type: ignore[no-untyped-def]
    return expected_eit(questionnaire, raw_answers(questionnaire, level))


def test_monthly_eit_matches_the_responses_of_each_month(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    specs = [Spec(level=2)] * 6 + [Spec(level=3, days_ago=30)] * 3 + [Spec(level=1, days_ago=30)] * 3
    add_responses(session, cycle, questionnaire, OWN, specs, today=TODAY)
    points = {p.label: p for p in trends.monthly(session, cycle, OWN, questionnaire, k=5)["EIT"]}
    assert list(points) == ["2026-10", "2026-11"]
    october = [_eit(questionnaire, 3)] * 3 + [_eit(questionnaire, 1)] * 3
    mean, sd = statistics.fmean(october), statistics.stdev(october)
    p = points["2026-10"]
    assert (p.n, p.mean) == (6, pytest.approx(mean))
    assert (p.low, p.high) == (
        pytest.approx(mean - Z * sd / math.sqrt(6)),
        pytest.approx(mean + Z * sd / math.sqrt(6)),
    )
    assert points["2026-11"].mean == pytest.approx(_eit(questionnaire, 2)) and points["2026-11"].n == 6


def test_a_small_month_is_hidden_with_the_next_smallest(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    specs = [Spec(level=2)] * 6 + [Spec(level=3, days_ago=30)] * 7 + [Spec(level=1, days_ago=60)] * 2
    add_responses(session, cycle, questionnaire, OWN, specs, today=TODAY)
    series = trends.monthly(session, cycle, OWN, questionnaire, k=5)
    shown = {p.label: p.mean for p in series["EIT"]}
    # September (2) is below K; alone it could be worked out from the cycle's mean, so November (6) goes too.
    assert shown == {"2026-09": None, "2026-10": pytest.approx(_eit(questionnaire, 3)), "2026-11": None}
    assert all(p.mean is None for p in series["E1"] if p.label != "2026-10")


def test_cycle_over_cycle_lists_earlier_cycles_oldest_first(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    earlier = Cycle(
        code="EIT-OLD", fiscal_year=cycle.fiscal_year - 1, questionnaire_id=cycle.questionnaire_id,
        questionnaire_version=cycle.questionnaire_version, opens_on=cycle.opens_on - dt.timedelta(days=365),
        closes_on=cycle.opens_on - dt.timedelta(days=1), state="closed",
    )  # fmt: skip
    session.add(earlier)
    session.commit()
    add_responses(session, earlier, questionnaire, OWN, [Spec(level=1)] * 5)
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 4)
    points = shown.office_by_cycle(session, [cycle, earlier], OWN, lambda _c: questionnaire, k=5)
    assert [p.cycle_code for p in points] == ["EIT-OLD", cycle.code]
    assert points[0].mean == pytest.approx(_eit(questionnaire, 1)) and points[0].n == 5
    assert points[1].mean is None and points[1].n == 4, "below K: hidden"


def test_office_page_shows_the_monthly_trend_table(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 6)
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    month = local_today().strftime("%Y-%m")
    assert 'id="trend-table"' in page and f'id="trend-{month}"' in page
    assert f"{_eit(questionnaire, 2):.2f}" in page.split('id="trend-table"')[1]
