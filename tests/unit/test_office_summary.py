"""The office summary's verdict and trend from adequacy and daily counts (pure: no database, no Flask)."""

from __future__ import annotations

import datetime as dt

from survey_app.services.results.summary import office_focus, office_summary
from survey_app.stats.sampling import Adequacy

DAYS = [
    (dt.date(2026, 11, 1) + dt.timedelta(days=i), n) for i, n in enumerate([1] * 7 + [3, 0, 0, 0, 0, 0, 0])
]


def test_a_type_below_its_floor_is_named_as_the_reason_for_more_than_required_minus_received() -> None:
    # 120 answers of a required 100, but businesses need 10 and have 4: 6 more are needed, not 0.
    adequacy = Adequacy(120, 120.0, 100, None, 100, "respondent_type:business", False, 6,
                        {"individual": 0, "business": 6})  # fmt: skip
    summary = office_summary(adequacy, None, False, None, 0.5, DAYS)
    assert (summary.more_needed, summary.simple_gap, summary.reason) == (6, 0, "respondent_type")
    assert (summary.short_type, summary.short_type_needed) == ("business", 6)


def test_trend_is_down_when_this_week_has_fewer_answers_than_the_week_before() -> None:
    adequacy = Adequacy(10, 10.0, 100, None, 100, "fixed_minimum", False, 90, {})
    summary = office_summary(adequacy, None, True, None, 0.7, DAYS)
    assert (summary.this_week, summary.previous_week, summary.trend) == (3, 7, "down")
    assert summary.state == "hidden" and summary.score is None and summary.reason is None


def test_an_adequate_office_needs_nothing_more_and_has_no_forecast() -> None:
    adequacy = Adequacy(300, 280.0, 100, 278, 278, "statistical", True, 0, {})
    summary = office_summary(adequacy, None, False, dt.date(2026, 12, 1), 2.0, DAYS)
    assert (summary.more_needed, summary.forecast, summary.simple_gap) == (0, None, 0)


def test_focus_names_the_gap_to_95_the_costliest_item_and_the_falling_monthly_score() -> None:
    # The office: 86.26 now, the monthly score falling 86.78 -> 86.04 -> 85.49 toward the pass line.
    months = [("ส.ค. 2569", 87.9), ("ก.ย. 2569", 86.78), ("ต.ค. 2569", 86.04), ("พ.ย. 2569", 85.49)]
    focus = office_focus(86.26, [("E7", 1.23), ("E2", 0.8), ("E1", 0.0)], months)
    assert focus.gap is not None and abs(focus.gap - 8.74) < 1e-9 and focus.below_pass == 0.0
    assert (focus.item, focus.item_points) == ("E7", 1.23)
    assert focus.months == tuple(months[1:]) and focus.trend == "down"
    assert focus.change is not None and abs(focus.change - (85.49 - 86.78)) < 1e-9


def test_focus_without_a_score_or_months_says_nothing_it_cannot_know() -> None:
    focus = office_focus(None, [("E7", 1.23)], [("พ.ย. 2569", None)])
    assert (focus.gap, focus.below_pass, focus.item, focus.trend, focus.change) == (
        None,
        None,
        None,
        None,
        None,
    )
    below = office_focus(80.0, [("E1", 0.0)], [("a", 80.0), ("b", 80.05)])
    assert below.below_pass == 5.0 and below.item is None and below.trend == "flat"
