"""Channel links (LINE, Facebook, website, kiosk, events): staff mint them on the share page; their QR codes read
back by zbarimg open a live survey; an answer stores the channel and nothing of the link; a revoked channel link
answers 410 in Thai and English and stores nothing; the ready message travels whole in LINE's share link."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Response, SurveyLink
from tests.helpers import csrf_token
from tests.qrtools import decode
from tests.survey_helpers import form_data, table_counts

from .staff_data import OWN, Spec, add_responses, isolate_requests, sign_in

BASE = "http://survey.test"
OFFICE_TH = "สำนักงานอุตสาหกรรมจังหวัดสมุทรปราการ"


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _create(client, channel: str, label: str = ""):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/offices/{OWN}/channels")
    data = {"csrf_token": csrf_token(page.text), "channel": channel, "label": label}
    return client.post(f"/staff/offices/{OWN}/channels", data=data)


def _link(session, channel: str) -> SurveyLink:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalars(select(SurveyLink).where(SurveyLink.channel == channel)).one()


def _copy_url(page: str, link: SurveyLink) -> str:
    match = re.search(rf'id="url-{link.id}" class="copy" type="text" readonly value="([^"]+)"', page)
    assert match, "no link to copy on the page"
    return htmllib.unescape(match.group(1))


def test_a_line_link_qr_decodes_to_a_live_survey_whose_answer_stores_only_the_channel(
    client, session, cycle, questionnaire, tmp_path: Path
) -> None:
    sign_in(client, session, "office", OWN)
    assert _create(client, "line").status_code == 302
    link = _link(session, "line")
    assert link.audience is None and link.label == "" and link.active
    page = client.get(f"/staff/offices/{OWN}/channels").text
    url = _copy_url(page, link)
    assert url.startswith(f"{BASE}/s/p{link.id}-1.")

    qr = client.get(f"/staff/offices/{OWN}/links/{link.id}/qr.png?inline=1")
    assert qr.mimetype == "image/png" and qr.headers["Content-Disposition"].startswith("inline")
    (tmp_path / "line.png").write_bytes(qr.data)
    assert decode(tmp_path / "line.png") == [url]

    survey = client.get(url.removeprefix(BASE))
    assert survey.status_code == 200 and OFFICE_TH in survey.text
    assert 'value="individual" checked' not in survey.text  # a channel link pre-selects no respondent type
    sent = client.post(url.removeprefix(BASE), data=form_data(survey.text, questionnaire))
    assert sent.status_code == 303
    session.expire_all()
    (row,) = session.scalars(select(Response)).all()
    assert row.channel == "line" and row.office_code == OWN
    stored = {c.name for c in Response.__table__.columns}
    assert not stored & {"link_id", "token", "label", "event", "ip", "user_agent"}

    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "link_created")).one()
    assert event.detail == {"cycle": cycle.code, "channel": "line"}


def test_the_ready_message_names_the_office_and_travels_whole_in_the_line_share_link(
    client, session, cycle
) -> None:
    sign_in(client, session, "office", OWN)
    _create(client, "facebook")
    link = _link(session, "facebook")
    page = client.get(f"/staff/offices/{OWN}/channels").text
    url = _copy_url(page, link)
    message = re.search(rf'<textarea id="msg-{link.id}"[^>]*>([^<]+)</textarea>', page)
    assert message
    text = htmllib.unescape(message.group(1))
    assert OFFICE_TH in text and url in text and "ไม่ต้องระบุชื่อ" in text
    share = re.search(r'href="(https://line\.me/R/share\?text=[^"]+)"', page)
    assert share
    parts = urlsplit(htmllib.unescape(share.group(1)))
    assert parts.netloc == "line.me" and parse_qs(parts.query)["text"] == [text]


def test_each_event_has_its_own_named_link_and_a_nameless_one_is_refused(client, session, cycle) -> None:
    sign_in(client, session, "office", OWN)
    refused = _create(client, "event", "   ")
    assert refused.status_code == 302
    assert "ตั้งชื่องาน" in client.get(f"/staff/offices/{OWN}/channels").text
    assert session.scalars(select(SurveyLink)).all() == []
    _create(client, "event", "Industry  fair 2026")
    _create(client, "event", "หน่วยบริการเคลื่อนที่ อ.เมือง")
    _create(client, "event", "Industry fair 2026")  # the same event again: the same link
    session.expire_all()
    labels = sorted(session.scalars(select(SurveyLink.label).where(SurveyLink.channel == "event")))
    assert labels == ["Industry fair 2026", "หน่วยบริการเคลื่อนที่ อ.เมือง"]
    assert _create(client, "email").status_code == 400  # an emailed link is personal, never a channel link
    assert _create(client, "poster").status_code == 400


def test_a_revoked_channel_link_answers_410_in_thai_and_english_and_stores_nothing(
    client, session, cycle, questionnaire
) -> None:
    sign_in(client, session, "office", OWN)
    _create(client, "website")
    link = _link(session, "website")
    url = _copy_url(client.get(f"/staff/offices/{OWN}/channels").text, link)
    form = client.get(url.removeprefix(BASE)).text
    token = csrf_token(client.get(f"/staff/offices/{OWN}/channels").text)
    revoked = client.post(
        f"/staff/offices/{OWN}/links/{link.id}/revoke", data={"csrf_token": token, "confirm": "1"}
    )
    assert revoked.status_code == 302 and revoked.headers["Location"].endswith(
        f"/staff/offices/{OWN}/channels?cycle={cycle.code}"
    )
    before = table_counts(session)
    for response in (
        client.get(url.removeprefix(BASE)),
        client.post(url.removeprefix(BASE), data=form_data(form, questionnaire)),
    ):
        assert response.status_code == 410
        assert '<h1 id="page-title" lang="th">ลิงก์นี้ถูกยกเลิกแล้ว</h1>' in response.text
        assert '<h2 lang="en">This link was withdrawn</h2>' in response.text
    assert table_counts(session) == before
    assert session.scalars(select(Response)).all() == []


def test_a_channel_link_short_code_opens_its_survey(client, session, cycle) -> None:
    sign_in(client, session, "office", OWN)
    _create(client, "line")
    link = _link(session, "line")
    page = client.get(f"/staff/offices/{OWN}/channels").text
    code = re.search(r"<strong>([2-9A-Z]{6})</strong>", page)
    assert code
    opened = client.get(f"/t/{code.group(1)}")
    assert opened.status_code == 303 and opened.headers["Location"] == _copy_url(page, link)


def test_viewers_see_the_share_page_but_cannot_create(client, session, cycle) -> None:
    sign_in(client, session, "viewer")
    page = client.get(f"/staff/offices/{OWN}/channels")
    assert page.status_code == 200 and "create-channel" not in page.text
    assert _create(client, "line").status_code == 403
    assert session.scalars(select(SurveyLink)).all() == []


def test_counts_by_channel_show_on_the_office_page_and_the_national_table(
    client, session, cycle, questionnaire
) -> None:
    # 6 through LINE, 7 through posters, 5 at the kiosk at office OWN; 2 through an event at office 50.
    add_responses(session, cycle, questionnaire, OWN, [Spec(channel="line")] * 6 + [Spec()] * 7)
    add_responses(session, cycle, questionnaire, OWN, [Spec(channel="kiosk")] * 5)
    add_responses(session, cycle, questionnaire, "50", [Spec(channel="event")] * 2)
    sign_in(client, session, "admin")
    office = client.get(f"/staff/offices/{OWN}?lang=en").text
    for channel, n in (("line", 6), ("poster", 7), ("kiosk", 5), ("email", 0)):
        assert f'id="bd-channel-{channel}">{n}</td>' in office
    assert 'id="bd-channel-facebook"' not in office  # a channel that brought nothing is not listed
    national = client.get("/staff/?lang=en").text
    table = national[national.index('id="channels-h"') : national.index('id="regions-h"')]
    row = r'<tr><th scope="row">([^<]+)</th><td class="num">([\d,]+)</td>\s*'
    row += r'<td class="num">(\d+) %</td><td class="num">(\d+)</td></tr>'
    rows = re.findall(row, table)
    assert rows == [
        ("QR poster", "7", "35", "1"),
        ("LINE", "6", "30", "1"),
        ("Counter kiosk", "5", "25", "1"),
        ("Event", "2", "10", "1"),
    ]
