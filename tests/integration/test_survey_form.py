"""GET and POST /s/<token>: the page, validation, the language switch, expired tokens, storing once, the flags.

Every test runs on SQLite and on PostgreSQL (the ``app`` fixture) and goes through HTTP with CSRF on.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from sqlalchemy import select

from survey_app.clock import local_today
from survey_app.models import Answer, CellStat, Invitation, Response, SpentNonce
from survey_app.public.forms import CSRF_COOKIE, csrf_valid, issue_csrf, issue_nonce, read_nonce
from survey_app.services.intake.submission import prune_spent_nonces
from tests import survey_helpers
from tests.helpers import csrf_token
from tests.survey_helpers import (
    answers,
    form_data,
    invitation,
    invitation_path,
    nonce,
    poster_link,
    poster_path,
    table_counts,
    varied,
)

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

CHECKED = re.compile(r'<input type="radio" id="([^"]+)" name="[^"]+" value="[^"]+" checked>')


def _checked(html: str) -> set[str]:
    return set(CHECKED.findall(html))


@pytest.fixture
def link(store, open_cycle):  # type: ignore[no-untyped-def]
    return poster_link(store, open_cycle)


@pytest.fixture
def path(app, link):  # type: ignore[no-untyped-def]
    return poster_path(app, link)


# --- the page ------------------------------------------------------------------------------------------------------


def test_survey_page_is_thai_with_office_privacy_profile_items_and_suggestion(client, path, questionnaire):  # type: ignore[no-untyped-def]
    page = client.get(path)
    html = page.text
    assert page.status_code == 200
    assert '<html lang="th">' in html
    assert "<h1>สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่</h1>" in html
    assert 'href="/privacy"' in html and "คำตอบของท่านไม่ระบุตัวตน" in html
    # Profile questions first, nothing chosen for the respondent (the poster's audience, citizen, shown first), then
    # the 15 items in order.
    order = [html.index(q) for q in ("ท่านติดต่อกับสำนักงานในฐานะใด", "ท่านมาติดต่อรับบริการเรื่องใด")]
    order += [html.index(item.text.th) for item in questionnaire.items]
    assert order == sorted(order) and len(questionnaire.items) == 15
    assert _checked(html) == set()
    assert 'id="respondent_type-0" name="respondent_type" value="individual"' in html
    # One fieldset with a legend per question: 2 profile questions + 19 answer keys, plus 3 items' groups.
    assert html.count('<fieldset class="q') == 2 + len(questionnaire.answer_keys) == 21
    assert html.count('<fieldset class="group">') == 3
    assert html.count("<legend") == html.count("<fieldset")
    assert '<textarea id="suggestion" name="suggestion" rows="4" maxlength="1000"' in html
    assert '<label for="suggestion">' in html
    for indicator in ("คุณภาพการดำเนินงาน", "ประสิทธิภาพการสื่อสาร", "การปรับปรุงระบบการทำงาน"):
        assert f">{indicator}</h2>" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_survey_page_loads_nothing_from_another_site_and_has_no_inline_style_or_script(client, path):  # type: ignore[no-untyped-def]
    first = client.get(
        path
    )  # a first visit carries site.css inline, allowed by its hash alone (test_static_files.py)
    assert first.text.count("<style") == 1 and "style=" not in first.text
    assert "'unsafe-inline'" not in first.headers["Content-Security-Policy"]
    html = client.get(path).text  # the browser now holds the survey's cookie: nothing inline at all
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html)
    assert "style=" not in html and "<style" not in html
    # One script, from this site, as a file: the page works without it (see the no-JavaScript tests).
    assert re.fullmatch(
        r'<script src="/static/js/survey\.[0-9a-f]{10}\.js" defer>',
        "".join(re.findall(r"<script[^>]*>", html)),
    )


def test_business_poster_and_invitation_show_business_first_unchosen_and_invitation_its_service_chosen(
    app, client, store, open_cycle
):  # type: ignore[no-untyped-def]
    business = poster_link(store, open_cycle, audience="business")
    html = client.get(poster_path(app, business)).text
    assert _checked(html) == set()
    assert 'id="respondent_type-0" name="respondent_type" value="business"' in html
    inv = invitation(store, open_cycle, service="mining")
    html = client.get(invitation_path(app, inv)).text
    assert _checked(html) == {"service-1"}
    assert 'id="respondent_type-0" name="respondent_type" value="business"' in html


def test_english_is_one_query_away_and_stays_for_the_session(client, path):  # type: ignore[no-untyped-def]
    html = client.get(path + "?lang=en").text
    assert '<html lang="en">' in html and "<h1>Chiang Mai Provincial Industry Office</h1>" in html
    assert "Officials treated you and other visitors equally" in html
    assert '<html lang="en">' in client.get(path).text


def test_language_switch_keeps_token_answers_and_nonce_and_stores_nothing(client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    page = client.get(path).text
    before = table_counts(store)
    data = form_data(page, questionnaire, service="mining", suggestion="ดีมาก", lang="en")
    for key in ("E5_1", "E6_2", "E15_1"):
        data.pop(key)
    switched = client.post(path, data=data)
    html = switched.text
    assert switched.status_code == 200
    assert '<html lang="en">' in html and "Chiang Mai Provincial Industry Office" in html
    assert "E1_1-2" in _checked(html) and "service-1" in _checked(html)
    assert not {"E5_1-0", "E6_2-0"} & _checked(html)
    assert ">ดีมาก</textarea>" in html
    assert nonce(html) == data["nonce"]
    assert 'class="error-summary"' not in html
    assert 'name="lang" value="th"' in html  # and back to Thai the same way
    assert table_counts(store) == before


# --- validation ----------------------------------------------------------------------------------------------------


def test_incomplete_form_comes_back_with_answers_and_a_thai_error_summary(client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    data = form_data(client.get(path).text, questionnaire, suggestion="ที่จอดรถน้อย", service=None)
    data.pop("E3_1")
    data.pop("E4_2")
    before = table_counts(store)
    page = client.post(path, data=data)
    html = page.text
    assert page.status_code == 400
    summary = html[html.index('class="error-summary"') : html.index("</ul>")]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    # One line per question, in its own words (cut near 70 characters at a space), saying which parts are missing.
    assert links == [
        ("service-0", "ท่านมาติดต่อรับบริการเรื่องใด: โปรดเลือกเรื่องที่ท่านมาติดต่อรับบริการ"),
        ("E3_1-0", "3. เจ้าหน้าที่ของหน่วยงานที่ท่านติดต่อ ให้ข้อมูลเกี่ยวกับการดำเนินการ/ให้… (ยังไม่ได้ตอบ)"),
        ("E4_2-0", "4. ในระยะเวลา 1 ปีที่ผ่านมา ท่านเคยถูกเจ้าหน้าที่ของหน่วยงานที่ท่านติดต่อ… (ยังไม่ได้ตอบข้อ 4.2)"),
    ]
    for anchor, _text in links:  # every link points at a real control
        assert f'id="{anchor}"' in html
    assert 'aria-describedby="E3_1-error"' in html and 'id="E3_1-error"' in html
    assert "E1_1-2" in _checked(html) and "E4_1-1" in _checked(html)
    assert ">ที่จอดรถน้อย</textarea>" in html
    assert table_counts(store) == before


def test_error_summary_follows_the_page_language(client, path, questionnaire):  # type: ignore[no-untyped-def]
    client.get(path + "?lang=en")
    data = form_data(client.get(path).text, questionnaire)
    data.pop("E7_1")
    html = client.post(path, data=data).text
    assert "Please check these answers" in html
    assert (
        '<a href="#E7_1-0">7. The office clearly publishes its results and the information the… '
        "(not answered)</a>" in html
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("E1_1", "7"), ("E8_1", "2"), ("E2_1", "high"), ("respondent_type", "admin"), ("service", "bribes")],
)
def test_a_value_outside_the_options_is_refused_and_stores_nothing(
    client, store, path, questionnaire, field, value
):  # type: ignore[no-untyped-def]
    data = form_data(client.get(path).text, questionnaire, **{field: value})
    before = table_counts(store)
    page = client.post(path, data=data)
    assert page.status_code == 400
    assert f'<a href="#{field}-0">' in page.text
    assert table_counts(store) == before


def test_suggestion_over_1000_characters_is_refused_but_crlf_counts_as_one(
    client, store, path, questionnaire
):  # type: ignore[no-untyped-def]
    too_long = client.post(path, data=form_data(client.get(path).text, questionnaire, suggestion="ก" * 1001))
    assert too_long.status_code == 400
    assert "โปรดเขียนข้อเสนอแนะให้สั้นลง ไม่เกิน 1,000 ตัวอักษร" in too_long.text
    assert 'href="#suggestion"' in too_long.text
    # A browser counts a line break as one character but sends it as CR LF: 1,000 characters still fit.
    text = ("ก" * 99 + "\r\n") * 10
    ok = client.post(path, data=form_data(client.get(path).text, questionnaire, suggestion=text))
    assert ok.status_code == 303
    stored = store.scalars(select(Response.suggestion)).one()
    assert stored is not None and len(stored) == 999 and "\r" not in stored  # the last line break is trimmed


def test_control_characters_are_dropped_from_the_suggestion(client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    page = client.post(path, data=form_data(client.get(path).text, questionnaire, suggestion="ดี\x00มาก\x07"))
    assert page.status_code == 303
    assert store.scalars(select(Response.suggestion)).one() == "ดีมาก"


# --- expired and forged tokens -------------------------------------------------------------------------------------


def _expired_csrf(app, client, path) -> str:  # type: ignore[no-untyped-def]
    """An authentic CSRF token for the client's cookie, issued two hours ago (the limit is one hour)."""
    cookie = client.get_cookie(CSRF_COOKIE, path="/s/")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    with app.test_request_context(path, headers={"Cookie": f"{CSRF_COOKIE}={cookie.value}"}):
        expired = issue_csrf(now=time.time() - 7200)
        assert not csrf_valid(expired) and csrf_valid(issue_csrf())  # the same cookie: only the age differs
    return expired


def test_expired_csrf_token_keeps_the_answers_and_asks_to_send_once_more(
    app, client, store, path, questionnaire
):  # type: ignore[no-untyped-def]
    data = form_data(client.get(path).text, questionnaire, suggestion="ช้าแต่ตั้งใจ")
    data["csrf_token"] = _expired_csrf(app, client, path)
    before = table_counts(store)
    page = client.post(path, data=data)
    html = page.text
    assert page.status_code == 400
    assert "หน้านี้เปิดไว้นาน เพื่อความปลอดภัยโปรดส่งอีกครั้ง" in html
    assert len(_checked(html)) == 2 + len(questionnaire.answer_keys) and ">ช้าแต่ตั้งใจ</textarea>" in html
    assert table_counts(store) == before
    again = client.post(path, data={**data, "csrf_token": csrf_token(html), "nonce": nonce(html)})
    assert again.status_code == 303
    assert store.scalars(select(Response.suggestion)).one() == "ช้าแต่ตั้งใจ"


def test_a_csrf_token_works_only_with_the_cookie_of_the_browser_it_was_made_for(
    app, client, store, path, questionnaire
):  # type: ignore[no-untyped-def]
    """The attack: another site shows a visitor a form carrying a token the attacker got from the survey page. Whether
    the visitor's browser has no survey cookie, another one, or a forged one, nothing is stored."""
    first = client.get(path)
    assert first.status_code == 200
    set_cookies = first.headers.getlist("Set-Cookie")
    # A new visitor's Thai form sets the CSRF secret only: no signed session cookie.
    assert [c.split("=", 1)[0] for c in set_cookies] == [CSRF_COOKIE]
    assert "HttpOnly" in set_cookies[0] and "SameSite=Lax" in set_cookies[0] and "Path=/s/" in set_cookies[0]
    stolen = form_data(first.text, questionnaire)
    before = table_counts(store)
    victim = app.test_client()
    victim.get(path + "?new=1")  # the victim's own cookie
    for browser in (victim, app.test_client()):
        refused = browser.post(path, data=stolen)
        assert refused.status_code == 400 and "โปรดส่งอีกครั้ง" in refused.text
    forged = app.test_client()
    forged.set_cookie(CSRF_COOKIE, "A" * 24, path="/s/")
    assert forged.post(path, data=stolen).status_code == 400
    # A hostile token (not ASCII, too long, no time) is refused the same way, never a 500.
    for token in (f"{int(time.time())}.ไทย", f"{int(time.time())}.{'A' * 32}", "1" * 65, ".abc"):
        assert client.post(path, data={**stolen, "csrf_token": token}).status_code == 400
    assert table_counts(store) == before
    # The page it was made for still sends it, once.
    assert client.post(path, data=stolen).status_code == 303


def test_lost_session_cookie_keeps_the_answers_too(app, client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    data = form_data(client.get(path).text, questionnaire)
    restarted = app.test_client()  # the browser was closed: no store cookie any more
    page = restarted.post(path, data=data)
    assert page.status_code == 400 and "โปรดส่งอีกครั้ง" in page.text
    assert len(_checked(page.text)) == 2 + len(questionnaire.answer_keys)
    assert restarted.post(path, data={**data, "csrf_token": csrf_token(page.text)}).status_code == 303
    assert len(store.scalars(select(Response.id)).all()) == 1


def test_forged_or_missing_nonce_asks_to_send_again_and_stores_nothing(client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    html = client.get(path).text
    before = table_counts(store)
    for bad in ("WyJ4IiwxLDFd.forged", ""):
        page = client.post(path, data=form_data(html, questionnaire, nonce=bad))
        assert page.status_code == 400 and "โปรดส่งอีกครั้ง" in page.text
        assert nonce(page.text) not in ("", bad)
    assert table_counts(store) == before


def test_expired_nonce_is_reissued_with_its_first_render_time(app, client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 30
    four_days_ago = time.time() - 4 * 86400
    with app.test_request_context():
        old = issue_nonce(now=four_days_ago)
    page = client.post(path, data=form_data(client.get(path).text, questionnaire, nonce=old))
    assert page.status_code == 400
    with app.test_request_context():
        fresh = read_nonce(nonce(page.text))
    assert fresh.started == int(four_days_ago)
    assert client.post(path, data={**form_data(page.text, questionnaire)}).status_code == 303
    assert store.scalars(select(Response.too_fast)).one() is False  # four days is not too fast


# --- storing -------------------------------------------------------------------------------------------------------


def test_poster_submission_is_stored_then_redirects_to_thanks(app, client, store, path, link, questionnaire):  # type: ignore[no-untyped-def]
    data = form_data(
        client.get(path).text,
        questionnaire,
        respondent_type="agency",
        service="procurement",
        suggestion="  ขอบคุณครับ  ",
    )
    posted = client.post(path, data=data)
    assert posted.status_code == 303
    assert posted.headers["Location"] == path + "/thanks"
    response = store.scalars(select(Response)).one()
    assert (response.cycle_id, response.office_code, response.channel) == (link.cycle_id, "50", "poster")
    assert (response.respondent_type, response.service, response.suggestion) == (
        "agency",
        "procurement",
        "ขอบคุณครับ",
    )
    assert response.questionnaire_version == "2568" and not response.is_demo
    assert response.submitted_on == local_today()
    stored = {(a.item, a.sub): (a.value, a.score) for a in store.scalars(select(Answer))}
    assert len(stored) == 19
    assert stored[("E1", 1)] == (2, pytest.approx(200 / 3)) and stored[("E1", 2)] == (3, 100)
    assert stored[("E4", 2)] == (0, 0) and stored[("E4", 3)] == (1, 100)  # "ever asked": reverse-scored
    assert stored[("E8", 1)] == (1, 100)
    thanks = client.get(posted.headers["Location"])
    assert thanks.status_code == 200
    assert "ขอบคุณที่ตอบแบบสอบถาม" in thanks.text and "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in thanks.text


def test_submission_updates_the_rollup_with_independently_computed_scores(
    app, client, store, path, questionnaire
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    app.config["SUPPRESS_BELOW"] = 1  # each response joins the rollup at once (batches: test_release.py)
    client.post(path, data=form_data(client.get(path).text, questionnaire))
    cells = {c.measure: c for c in store.scalars(select(CellStat))}
    # ``varied`` answers, scored by hand from docs/eit.md: indicator 6 = (250/3 + 100 + 200/3 + 200/3 + 200/3) / 5,
    # indicator 7 = (250/3 + 200/3 + 100 + 200/3 + 100) / 5, indicator 8 = (3 × 200/3 + 2 × 100) / 5.
    assert cells["IND6"].total == pytest.approx(230 / 3)
    assert cells["IND7"].total == pytest.approx(250 / 3)
    assert cells["IND8"].total == pytest.approx(80)
    assert cells["EIT"].total == pytest.approx(80) and cells["EIT"].total_sq == pytest.approx(6400)
    assert cells["E1"].total == pytest.approx(250 / 3)
    assert {c.n for c in cells.values()} == {1} and {c.flagged for c in cells.values()} == {False}
    assert {(c.respondent_type, c.service, c.office_code) for c in cells.values()} == {
        ("individual", "factory_licensing", "50")
    }


def test_replayed_post_is_refused_and_stores_nothing_more(app, client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    app.config["SUPPRESS_BELOW"] = 1
    data = form_data(client.get(path).text, questionnaire)
    assert client.post(path, data=data).status_code == 303
    after_first = table_counts(store)
    replay = client.post(path, data=data)
    assert replay.status_code == 409
    assert "ได้รับคำตอบนี้แล้ว ขอบคุณ" in replay.text and "These answers were already received" in replay.text
    assert table_counts(store) == after_first
    assert store.scalars(select(CellStat.n).where(CellStat.measure == "EIT")).one() == 1


def test_invitation_is_spent_by_its_submission_and_then_shows_already_answered(
    app, client, store, open_cycle, questionnaire
):  # type: ignore[no-untyped-def]
    inv = invitation(store, open_cycle)
    path = invitation_path(app, inv)
    first_page = client.get(path).text
    store.refresh(inv)
    assert inv.responded is False  # opening the link (as mail scanners do) spends nothing
    other_device = app.test_client()
    second_page = other_device.get(path).text
    assert (
        client.post(path, data=form_data(first_page, questionnaire, respondent_type="business")).status_code
        == 303
    )
    response = store.scalars(select(Response)).one()
    assert (response.channel, response.respondent_type) == ("email", "business")
    store.refresh(inv)
    assert inv.responded is True
    counts = table_counts(store)
    again = client.get(path)
    assert again.status_code == 200
    assert "ท่านตอบแบบสอบถามนี้แล้ว ขอบคุณ" in again.text and "You have already answered" in again.text
    assert "<form" not in again.text
    late = other_device.post(path, data=form_data(second_page, questionnaire))
    assert late.status_code == 409 and "ท่านตอบแบบสอบถามนี้แล้ว" in late.text
    assert table_counts(store) == counts


def test_answered_cookie_shows_a_notice_but_does_not_block(client, store, path, questionnaire, open_cycle):  # type: ignore[no-untyped-def]
    notice = "อุปกรณ์นี้เคยส่งคำตอบเกี่ยวกับสำนักงานนี้แล้ว"
    assert notice not in client.get(path).text
    client.post(path, data=form_data(client.get(path).text, questionnaire))
    cookie = client.get_cookie(f"answered_{open_cycle.id}_50", path="/s/")
    assert (
        cookie is not None and len(cookie.value) >= 16 and cookie.http_only
    )  # its value: the device's random id (bursts)
    page = client.get(path + "?new=1").text  # "start a new response" from the just-answered page
    assert notice in page
    assert client.post(path, data=form_data(page, questionnaire)).status_code == 303
    assert len(store.scalars(select(Response.id)).all()) == 2


def test_too_fast_is_measured_from_the_time_signed_in_the_nonce(app, client, store, path, questionnaire):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 30
    app.config["SUPPRESS_BELOW"] = 1
    client.post(path, data=form_data(client.get(path).text, questionnaire))  # answered at once
    with app.test_request_context():
        two_minutes_ago = issue_nonce(started=time.time() - 120)
    client.post(path, data=form_data(client.get(path + "?new=1").text, questionnaire, nonce=two_minutes_ago))
    flags = sorted(store.scalars(select(Response.too_fast)).all())
    assert flags == [False, True]
    flagged = store.scalars(select(CellStat.n).where(CellStat.measure == "EIT", CellStat.flagged)).one()
    assert flagged == 1


def test_same_answer_on_every_four_level_item_is_flagged_straight_lined(
    app, client, store, path, questionnaire
):  # type: ignore[no-untyped-def]
    app.config["MIN_SECONDS"] = 0
    client.post(path, data=form_data(client.get(path).text, questionnaire, **answers(questionnaire)))
    client.post(
        path, data=form_data(client.get(path + "?new=1").text, questionnaire, **varied(questionnaire))
    )
    rows = store.execute(select(Response.straight_lined, Response.too_fast)).all()
    assert sorted(rows) == [(False, False), (True, False)]


def test_the_invitation_row_changes_only_its_answered_flag(app, client, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    inv = invitation(store, open_cycle)
    columns = [c.key for c in Invitation.__table__.columns]
    before = {c: getattr(inv, c) for c in columns}
    path = invitation_path(app, inv)
    client.post(path, data=form_data(client.get(path).text, questionnaire))
    store.expire_all()
    after = {c: getattr(store.get(Invitation, inv.id), c) for c in columns}
    assert {c for c in columns if before[c] != after[c]} == {"responded"}


def test_spent_nonce_records_are_pruned_only_after_their_day(store):  # type: ignore[no-untyped-def]
    today = dt.date(2026, 11, 26)
    for n, day in enumerate((today - dt.timedelta(days=1), today, today + dt.timedelta(days=2))):
        store.add(SpentNonce(nonce_hash=f"{n:064d}", expires_on=day))
    store.commit()
    assert prune_spent_nonces(store, today) == 1
    store.commit()
    assert sorted(store.scalars(select(SpentNonce.expires_on))) == [today, today + dt.timedelta(days=2)]
