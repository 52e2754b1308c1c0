"""The office summary's verdict and trend from adequacy and daily counts (pure: no database, no Flask)."""

from __future__ import annotations

import datetime as dt

from survey_app.services.results.summary import office_summary
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
