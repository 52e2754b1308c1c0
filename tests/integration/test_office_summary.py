"""The office page's first screen: the EIT score (or "not enough answers yet") with its band, the sample verdict
in words with one "more answers needed" number (explained where it is not required − received), and the trend.

The clock is frozen at 23:30 UTC, when Bangkok is already on the next day.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pytest

from survey_app.clock import local_today
from survey_app.stats.bands import eit_band

from . import staff_data
from .staff_data import (
    OWN,
    TWO_TYPE_FRAME,
    Spec,
    add_frame,
    add_responses,
    expected_eit,
    isolate_requests,
    raw_answers,
    sign_in,
)

FROZEN = dt.datetime.now(dt.UTC).replace(hour=23, minute=30, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch: pytest.MonkeyPatch, app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)
    frozen = lambda now=None: local_today(now or FROZEN)  # noqa: E731
    for module in ("survey_app.staff.results.office", "survey_app.staff.context"):
        monkeypatch.setattr(f"{module}.local_today", frozen, raising=False)
    monkeypatch.setattr(staff_data, "local_today", frozen)


def _summary(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    match = re.search(r'<section class="summary".*?</section>', page, re.S)
    assert match, "no summary on the page"
    assert page.index('class="summary"') < page.index("Whole cycle")  # before everything else
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def test_frozen_clock_is_on_the_next_bangkok_day() -> None:
    assert local_today(FROZEN) == FROZEN.date() + dt.timedelta(days=1)


def test_too_few_answers_show_no_score_and_the_number_still_needed(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=d) for d in range(3)])
    sign_in(client, session, "office", OWN)
    text = _summary(client)
    assert "Not enough answers yet" in text
    assert "97 more answers needed" in text  # fixed minimum 100 − 3 (no frame, no weighting)
    assert "100 required − 3 received." in text and "More than" not in text


def test_adequate_office_shows_score_band_and_enough_answers(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    cycle.min_sample, cycle.type_floor = 6, 1
    session.commit()
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=d, level=2) for d in range(6)])
    sign_in(client, session, "office", OWN)
    text = _summary(client)
    score = expected_eit(questionnaire, raw_answers(questionnaire, 2))  # every response alike: the mean is it
    assert f"{score:.2f} {eit_band(score).label_en}" in text
    assert "Enough answers" in text and "Enough answers: 6 received, 6 required." in text
    assert "Final for now" in text


def test_first_screen_leads_with_the_goal_the_gap_and_the_item_to_work_on_first(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    cycle.min_sample, cycle.type_floor = 6, 1
    session.commit()
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=d, level=2) for d in range(6)])
    sign_in(client, session, "office", OWN)
    text = _summary(client)
    raw = raw_answers(questionnaire, 2)
    score = expected_eit(questionnaire, raw)
    assert f"Goal 95 (excellent): {95 - score:.2f} points to go." in text
    assert ("Pass mark 85 reached." in text) == (score >= 85)
    # The item to work on first, worked out here from the score map: each item's share of the EIT is
    # 1 / (indicators × items in its indicator); it costs share × (95 − its score); the largest cost, ties to the
    # questionnaire's first.
    costs = []
    for indicator in questionnaire.indicators:
        for item in indicator.items:
            scores = {o.value: o.score for o in item.answer_type.options}
            item_score = sum(scores[raw[key]] for key in item.keys) / len(item.keys)
            share = 1 / (len(questionnaire.eit_indicators) * len(indicator.items))
            costs.append((share * max(0.0, 95 - item_score), item.code))
    points, code = max(
        costs, key=lambda c: (round(c[0], 9), -[i.code for i in questionnaire.items].index(c[1]))
    )
    assert "Work on first" in text and f"{code} " in text
    assert f"It costs the EIT {points:.2f} points on the way to 95: the most of any item." in text


def test_more_needed_than_required_minus_received_is_explained_by_weighting(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    # Frame: 100 individuals and 900 businesses served. Sample: 10 individuals, 5 businesses (type floor off).
    # Post-stratification weights: 100/10 = 10 and 900/5 = 180. Kish: deff = n Σw² / (Σw)²
    #   = 15 × (10 × 10² + 5 × 180²) / 1000² = 15 × 163,000 / 1,000,000 = 2.445; effective n = 15 / 2.445 ≈ 6.13.
    # Krejcie & Morgan for N = 1,000 requires 278, so at this design effect 278 × 2.445 = 679.7 → 680 answers are
    # needed in all: 665 more, where 278 − 15 would say 263.
    cycle.type_floor = 1
    add_frame(session, cycle, OWN, TWO_TYPE_FRAME)
    specs = [Spec(days_ago=1)] * 10 + [Spec(rtype="business", days_ago=2)] * 5
    add_responses(session, cycle, questionnaire, OWN, specs)
    sign_in(client, session, "office", OWN)
    text = _summary(client)
    deff = 15 * (10 * 10**2 + 5 * 180**2) / 1000**2
    more = math.ceil(278 * deff) - 15
    assert more == 665
    assert f"{more} more answers needed" in text
    assert (
        "More than 278 required − 15 received = 263" in text
        and f"they count as {15 / deff:.0f} answers." in text
    )
    assert "Provisional" in text


def test_trend_compares_this_week_with_the_week_before(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    specs = (
        [Spec(days_ago=d) for d in (0, 0, 3, 6, 6)]
        + [Spec(days_ago=d) for d in (7, 13)]
        + [Spec(days_ago=14)]
    )
    add_responses(session, cycle, questionnaire, OWN, specs)
    sign_in(client, session, "office", OWN)
    text = _summary(client)
    # The answers' pace is a note; the trend card is about the score (one month of answers: no score trend yet).
    assert "5 answers in the last 7 days, 2 in the 7 days before." in text and "More answers" not in text
    assert "Score trend" in text and "Shown from two months with a score." in text


def test_summary_is_in_thai_by_default(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(days_ago=0)])
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}").text
    assert "ยังมีคำตอบไม่พอ" in page and "ต้องการคำตอบอีก 99 ชุด" in page and "แนวโน้ม" in page


def test_national_table_says_the_same_numbers_and_the_chart_names_every_province(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    # The same weighted office as above (665 more, not 278 − 15 = 263), and one plain office with 4 answers.
    cycle.type_floor = 1
    add_frame(session, cycle, OWN, TWO_TYPE_FRAME)
    add_responses(session, cycle, questionnaire, OWN, [Spec()] * 10 + [Spec(rtype="business")] * 5)
    add_responses(session, cycle, questionnaire, staff_data.OTHER, [Spec()] * 4)
    sign_in(client, session, "admin")
    page = client.get("/staff/?lang=en").text
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<tr class=\"is-\w+\">\s*<td>(\d+)</td>(.*?)</tr>", page, re.S)
    }
    own = " ".join(re.sub(r"<[^>]+>", " ", rows[OWN]).split())
    other = " ".join(re.sub(r"<[^>]+>", " ", rows[staff_data.OTHER]).split())
    assert "665 more answers needed" in own and f"{100 * 15 / (15 + 665):.0f} %" in own  # progress: 15 ÷ 680
    assert "More than 278 required − 15 received = 263" in own  # the office page's sentence
    assert (
        "96 more answers needed" in other and "More than" not in other and "4 %" in other
    )  # 100 − 4, 4 ÷ 100
    chart = re.search(r'<ol class="pchart".*?</ol>', page, re.S)
    assert chart is not None
    names = re.findall(r'<span class="pname"[^>]*>([^<]+)</span>', chart.group(0))
    assert len(names) == 76 and "Samut Prakan" in names and not any(n.strip().isdigit() for n in names)
