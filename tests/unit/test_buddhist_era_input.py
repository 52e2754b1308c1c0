"""Buddhist-era dates typed by people: both forms, Thai digits, the era boundary, and years one era off refused."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_app.clock import EraError, be_input, parse_be, plausible_date

TODAY = dt.date(2026, 12, 31)  # 31 Dec 2569 BE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/12/2569", dt.date(2026, 12, 31)),  # the last day of 2569 BE ...
        ("1/1/2570", dt.date(2027, 1, 1)),  # ... and the first of 2570 BE
        ("01/01/2570", dt.date(2027, 1, 1)),
        (" 31 / 3 / 2570 ", dt.date(2027, 3, 31)),
        ("31.3.2570", dt.date(2027, 3, 31)),
        ("31-03-2570", dt.date(2027, 3, 31)),
        ("2570-03-31", dt.date(2027, 3, 31)),  # the form the issue saw stored as 3113
        ("๓๑/๐๓/๒๕๗๐", dt.date(2027, 3, 31)),  # Thai digits
        ("29/2/2571", dt.date(2028, 2, 29)),  # 2028 is a leap year
    ],
)
def test_a_buddhist_era_date_is_read_as_the_christian_era_date_it_names(text: str, expected: dt.date) -> None:
    assert parse_be(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "reason", "suggest"),
    [
        ("31/03/2027", "christian_era", 2570),
        ("2027-03-31", "christian_era", 2570),
        ("31/03/3113", "twice_converted", 2570),
        ("31/03/1900", "out_of_range", 0),
        ("31/03/9999", "out_of_range", 0),
        ("29/02/2570", "no_such_day", 0),  # 2027 is not a leap year
        ("32/01/2570", "no_such_day", 0),
        ("03/31/2570", "no_such_day", 0),  # month/day order is not guessed
        ("31 มี.ค. 2570", "format", 0),
        ("", "format", 0),
        ("2570", "format", 0),
    ],
)
def test_a_year_one_era_off_or_a_bad_date_is_refused_with_its_reason(
    text: str, reason: str, suggest: int
) -> None:
    with pytest.raises(EraError) as refused:
        parse_be(text, TODAY)
    assert refused.value.reason == reason
    assert refused.value.suggest == suggest


def test_a_date_is_shown_in_the_form_it_is_typed_and_reads_back_the_same() -> None:
    for day in (dt.date(2026, 12, 31), dt.date(2027, 1, 1), dt.date(2027, 3, 31)):
        shown = be_input(day)
        assert parse_be(shown, TODAY) == day
    assert be_input(dt.date(2027, 3, 31)) == "31/03/2570"
    assert be_input(None) == ""


def test_the_plausible_window_never_lets_the_year_3113_through() -> None:
    assert plausible_date(dt.date(2027, 3, 31), TODAY)
    assert not plausible_date(dt.date(3113, 3, 31), TODAY)
    assert not plausible_date(dt.date(1484, 3, 31), TODAY)  # 2027 typed as BE, then converted to CE
