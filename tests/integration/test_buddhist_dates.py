"""Buddhist-era dates both ways on every staff date field (improvement plan measures, cycles): typed and shown as
day/month/BE year in Thai and English, a year one era off refused with a message in both languages and nothing
stored, the era boundary on Bangkok's date while UTC is still on the previous day, and a round trip in Chromium."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey_app.clock import be_input
from survey_app.models import Cycle, ImprovementMeasure
from tests.helpers import csrf_token

from .staff_browser_pages import signed_in_page
from .staff_data import OWN, isolate_requests, make_user, sign_in
from .test_staff_browser import axe_violations

pytestmark = pytest.mark.dates

# 31 Dec 2026 17:30 UTC is 1 Jan 2027 00:30 in Bangkok: the first minutes of 2570 BE, while UTC is still in 2569.
NEW_YEAR_UTC = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _isolated(request) -> None:  # type: ignore[no-untyped-def]
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _add_measure(client, due_on: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/offices/{OWN}/plan?lang={lang}")
    data = {"item": "E4", "action": "ติดป้ายช่องทางร้องเรียน", "owner": "หัวหน้าฝ่าย", "due_on": due_on,
            "csrf_token": csrf_token(page.text)}  # fmt: skip
    return client.post(f"/staff/offices/{OWN}/plan?lang={lang}", data=data)


def _measures(session) -> list[ImprovementMeasure]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return list(session.scalars(sa.select(ImprovementMeasure)))


@pytest.mark.parametrize("typed", ["31/03/2570", "2570-03-31", "๓๑/๐๓/๒๕๗๐"])
def test_a_buddhist_era_due_date_is_stored_as_the_date_it_names_and_shown_in_the_buddhist_era(
    client, session, cycle, typed: str
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert _add_measure(client, typed).status_code == 302
    [measure] = _measures(session)
    assert measure.due_on == dt.date(2027, 3, 31)
    assert "31 มี.ค. 2570" in client.get(f"/staff/offices/{OWN}/plan?lang=th").text
    assert "31 Mar 2027" in client.get(f"/staff/offices/{OWN}/plan?lang=en").text


@pytest.mark.parametrize(
    ("typed", "lang", "message"),
    [
        ("31/03/2027", "en", "2027 is a year of the Christian era: type the Buddhist-era year 2570."),
        ("31/03/2027", "th", "ปี 2027 เป็นปี ค.ศ. โปรดพิมพ์เป็นปี พ.ศ. 2570"),
        ("3113-03-31", "en", "543 seems to have been added twice. Type 2570."),
        ("31/03/3113", "th", "ดูเหมือนบวก 543 ซ้ำสองครั้ง โปรดพิมพ์ 2570"),
        ("31 March", "en", "Type the date as day/month/Buddhist-era year, e.g. 31/03/2570."),
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part
def test_a_year_one_era_off_is_refused_in_the_pages_language_and_nothing_is_stored(
    client, session, cycle, typed: str, lang: str, message: str, backend
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    response = _add_measure(client, typed, lang)
    assert response.status_code == 400
    assert message in response.text
    assert (
        'aria-invalid="true"' in response.text
        and 'aria-describedby="due_on-hint due_on-error"' in response.text
    )
    assert f'value="{typed}"' in response.text, "what was typed is shown again to correct"
    assert _measures(session) == []


def test_the_service_refuses_a_date_converted_twice_whatever_form_sent_it(session, cycle) -> None:  # type: ignore[no-untyped-def]
    from survey_app.services.improvement import plans

    actor = make_user(session, "admin")
    with pytest.raises(plans.PlanError):
        plans.add_measure(session, actor, cycle, OWN, item="E1", action="x", owner="y",
                          due_on=dt.date(3113, 3, 31), items={"E1"})  # fmt: skip
    session.rollback()
    assert _measures(session) == []


def test_the_cycle_form_shows_its_dates_in_the_buddhist_era_and_takes_them_back(
    client, session, cycle
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    for lang in ("th", "en"):
        page = client.get(f"/staff/cycles/{cycle.code}/edit?lang={lang}").text
        assert f'value="{be_input(cycle.opens_on)}"' in page
        assert f'value="{be_input(cycle.closes_on)}"' in page
        assert str(cycle.closes_on.year + 543) in page
    page = client.get(f"/staff/cycles/{cycle.code}/edit?lang=en").text
    new_close = cycle.closes_on + dt.timedelta(days=30)
    data = {"csrf_token": csrf_token(page), "opens_on": be_input(cycle.opens_on),
            "closes_on": be_input(new_close), "min_sample": "100", "sampling_method": "krejcie-morgan",
            "type_floor": "10", "confidence": "0.95", "margin_percent": "5"}  # fmt: skip
    assert client.post(f"/staff/cycles/{cycle.code}/edit", data=data).status_code == 302
    session.expire_all()
    assert session.scalar(sa.select(Cycle.closes_on).where(Cycle.code == cycle.code)) == new_close


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_at_the_era_boundary_the_bangkok_date_decides(client, session, cycle, app_clock, backend) -> None:  # type: ignore[no-untyped-def]
    app_clock.set(NEW_YEAR_UTC)
    app_clock.stop()
    sign_in(client, session, "office", OWN)
    assert _add_measure(client, "31/12/2569").status_code == 302
    assert _add_measure(client, "1/1/2570").status_code == 302
    assert sorted(m.due_on for m in _measures(session)) == [dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
    page = client.get(f"/staff/offices/{OWN}/plan?lang=th").text
    last_year = page.split("31 ธ.ค. 2569")[1].split("</td>")[0]
    new_year = page.split("1 ม.ค. 2570")[1].split("</td>")[0]
    assert "band-urgent" in last_year, "due yesterday in Bangkok: overdue"
    assert "band-urgent" not in new_year, "due today in Bangkok: not overdue yet"


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "size", [{"width": 1366, "height": 768}, {"width": 360, "height": 800}], ids=["1366", "360"]
)
def test_a_buddhist_era_date_round_trips_in_chromium(
    live_server, chromium, session, cycle, artifacts, size: dict[str, int], backend
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, "office", OWN)
    with signed_in_page(chromium, live_server.url, user.email, size["width"], size["height"]) as page:
        for lang, typed, shown in (("th", "31/03/2570", "31 มี.ค. 2570"), ("en", "30/04/2570", "30 Apr 2027")):
            page.goto(f"{live_server.url}/staff/offices/{OWN}/plan?lang={lang}")
            page.fill("#action", "ติดป้ายช่องทางร้องเรียน")
            page.fill("#owner", "หัวหน้าฝ่าย")
            page.fill("#due_on", "31/03/2027")
            page.locator("#due_on").press("Enter")
            page.wait_for_load_state()
            assert page.locator("#due_on").get_attribute("aria-invalid") == "true"
            assert "2570" in page.locator("#due_on-error").inner_text()
            page.screenshot(
                path=str(artifacts / f"dates-plan-refused-{size['width']}-{lang}.png"), full_page=True
            )
            assert axe_violations(page) == [], f"refused date ({lang})"
            page.fill("#due_on", typed)
            assert page.evaluate("document.querySelector('#due_on').checkValidity()")
            page.locator("#due_on").press("Enter")
            page.wait_for_load_state()
            assert shown in page.locator("#plan-table").inner_text()
            page.screenshot(
                path=str(artifacts / f"dates-plan-stored-{size['width']}-{lang}.png"), full_page=True
            )
        session.expire_all()
        stored = sorted(m.due_on for m in _measures(session))
        assert stored == [dt.date(2027, 3, 31), dt.date(2027, 4, 30)]


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_cycle_form_reads_well_and_passes_axe(
    live_server, chromium, session, cycle, artifacts, backend
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session, "admin")
    for width, height in ((1366, 768), (360, 800)):
        with signed_in_page(chromium, live_server.url, user.email, width, height) as page:
            for lang in ("th", "en"):
                page.goto(f"{live_server.url}/staff/cycles/{cycle.code}/edit?lang={lang}")
                assert page.locator("#opens_on").input_value() == be_input(cycle.opens_on)
                page.screenshot(path=str(artifacts / f"dates-cycle-form-{width}-{lang}.png"), full_page=True)
                assert axe_violations(page) == [], f"cycle form ({lang}, {width} px)"
