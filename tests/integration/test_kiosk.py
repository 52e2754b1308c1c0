"""The counter kiosk over HTTP: a kiosk link opens the kiosk page; each answer, sent as JSON with the device's own
nonce, is stored once however often it is sent; kiosk answers are never flagged as a burst from one device, and
each is counted in its office's hour; bad input (revoked link, another channel's link, incomplete answers,
malformed bodies) stores nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey_app.clock import BANGKOK, set_source
from survey_app.models import KioskHour, Response, SurveyLink
from survey_app.tokens import poster_token
from tests import survey_helpers
from tests.survey_helpers import table_counts, varied

from .staff_data import sign_in

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle
OFFICE = "50"


def _link(store, cycle, channel: str = "kiosk") -> SurveyLink:  # type: ignore[no-untyped-def]
    link = SurveyLink(
        cycle_id=cycle.id, office_code=OFFICE, channel=channel, audience=None, label="", version=1
    )
    store.add(link)
    store.commit()
    return link


def _token(app, link: SurveyLink) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        return poster_token(link.id, link.version)


def _answer(questionnaire, nonce: str = "n0nce-0000000000000001", seconds: int = 120) -> dict:  # type: ignore[no-untyped-def]
    answers = {"respondent_type": "individual", "service": "factory_licensing", **varied(questionnaire)}
    return {"nonce": nonce, "seconds": seconds, "answers": answers}


def test_a_kiosk_link_opens_the_kiosk_page_which_holds_nothing_per_person(
    app, client, store, open_cycle
) -> None:
    token = _token(app, _link(store, open_cycle))
    opened = client.get(f"/s/{token}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith(f"/k/{token}")
    page = client.get(f"/k/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in page.text and 'lang="th"' in page.text
    assert 'name="csrf_token"' not in page.text and 'name="nonce"' not in page.text
    assert " checked" not in page.text  # nothing pre-selected
    assert f'data-post="/k/{token}/answers"' in page.text
    worker = client.get("/k/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/k/"


def test_an_answer_sent_twice_is_stored_once_as_a_kiosk_answer(
    app, client, store, open_cycle, questionnaire
) -> None:
    token = _token(app, _link(store, open_cycle))
    body = _answer(questionnaire)
    first = client.post(f"/k/{token}/answers", json=body)
    again = client.post(f"/k/{token}/answers", json=body)
    assert (first.status_code, first.json) == (201, {"status": "stored"})
    assert (again.status_code, again.json) == (200, {"status": "duplicate"})
    rows = store.scalars(select(Response)).all()
    assert len(rows) == 1
    assert (rows[0].channel, rows[0].office_code, rows[0].burst, rows[0].too_fast) == (
        "kiosk",
        OFFICE,
        False,
        False,
    )
    assert "Set-Cookie" not in first.headers  # a shared tablet gets no "already answered" cookie


def test_kiosk_answers_are_never_a_burst_and_are_counted_per_hour(
    app, client, store, open_cycle, questionnaire
) -> None:
    app.config["BURST_LIMIT"] = 3
    moment = dt.datetime(2026, 12, 3, 10, 20, tzinfo=BANGKOK)
    set_source(lambda: moment.astimezone(dt.UTC))
    try:
        token = _token(app, _link(store, open_cycle))
        for i in range(8):  # far past the burst limit, from one address and one device
            sent = client.post(f"/k/{token}/answers", json=_answer(questionnaire, f"kiosk-nonce-{i:010d}"))
            assert sent.status_code == 201
        moment = dt.datetime(2026, 12, 3, 11, 5, tzinfo=BANGKOK)
        client.post(f"/k/{token}/answers", json=_answer(questionnaire, "kiosk-nonce-eleven-o-clock"))
    finally:
        set_source(None)
    store.expire_all()
    assert [r.burst for r in store.scalars(select(Response))] == [False] * 9
    hours = store.execute(
        select(KioskHour.day, KioskHour.hour, KioskHour.answers).order_by(KioskHour.hour)
    ).all()
    assert [tuple(h) for h in hours] == [(dt.date(2026, 12, 3), 10, 8), (dt.date(2026, 12, 3), 11, 1)]


def test_a_quick_answer_is_flagged_too_fast(app, client, store, open_cycle, questionnaire) -> None:
    token = _token(app, _link(store, open_cycle))
    client.post(f"/k/{token}/answers", json=_answer(questionnaire, seconds=4))
    assert store.scalars(select(Response.too_fast)).all() == [True]


@pytest.mark.parametrize(
    "change",
    ["revoked", "line_link", "incomplete", "not_json", "bad_nonce", "no_answers"],
)
def test_bad_kiosk_sends_store_nothing(app, client, store, open_cycle, questionnaire, change: str) -> None:
    link = _link(store, open_cycle, "line" if change == "line_link" else "kiosk")
    token = _token(app, link)
    body = _answer(questionnaire)
    if change == "revoked":
        link.version, link.active = 2, False
        store.commit()
    before = table_counts(store)
    if change == "not_json":
        sent = client.post(f"/k/{token}/answers", data={"nonce": "x" * 20})
    else:
        if change == "incomplete":
            del body["answers"]["E1_1"]
        if change == "bad_nonce":
            body["nonce"] = "short"
        if change == "no_answers":
            body["answers"] = ["E1_1"]
        sent = client.post(f"/k/{token}/answers", json=body)
    expected = {"revoked": 410, "line_link": 404}.get(change, 400)
    assert sent.status_code == expected
    if change == "incomplete":
        assert sent.json["status"] == "invalid" and "E1_1" in sent.json["errors"]
    assert table_counts(store) == before


def test_a_revoked_kiosk_link_shows_the_bilingual_withdrawn_page(app, client, store, open_cycle) -> None:
    link = _link(store, open_cycle)
    token = _token(app, link)
    link.version, link.active = 2, False
    store.commit()
    page = client.get(f"/k/{token}")
    assert page.status_code == 410
    assert '<h1 id="page-title" lang="th">ลิงก์นี้ถูกยกเลิกแล้ว</h1>' in page.text
    assert '<h2 lang="en">This link was withdrawn</h2>' in page.text
    assert client.get(f"/s/{token}").status_code == 410


def test_a_kiosk_flood_is_named_by_its_signal_on_the_integrity_page(
    app, client, store, open_cycle, questionnaire
) -> None:
    app.config["SUBMIT_RATE_LIMIT"] = "1000 per minute"
    # Two offices' usual kiosk traffic: 2 answers an hour, 8 hours a day, on ten earlier days.
    for office in (OFFICE, "11"):
        for d in range(10):
            for h in range(9, 17):
                day = dt.date(2026, 11, 20) + dt.timedelta(days=d)
                store.add(KioskHour(cycle_id=open_cycle.id, office_code=office, day=day, hour=h, answers=2))
    store.commit()
    token = _token(app, _link(store, open_cycle))
    moment = dt.datetime(2026, 12, 3, 14, 10, tzinfo=BANGKOK)
    set_source(lambda: moment.astimezone(dt.UTC))
    try:
        for i in range(25):  # one person at the tablet, 25 times in an hour
            assert (
                client.post(
                    f"/k/{token}/answers", json=_answer(questionnaire, f"flood-nonce-{i:08d}")
                ).status_code
                == 201
            )
    finally:
        set_source(None)
    sign_in(client, store, "admin")
    page = client.get(f"/staff/integrity?cycle={open_cycle.code}&lang=en").text
    section = page[page.index('id="kiosk-h"') : page.index('id="rank-h"')]
    rows = re.findall(r"<tr( class=\"named\")?><td>(\d\d) ", section)
    assert rows == [(' class="named"', OFFICE), ("", "11")]
    assert "named: kiosk flood" in section and "14:00–15:00" in section
    assert re.search(r'<td class="num">25</td><td class="num">2\.0</td>', section)


def test_the_kiosk_token_never_reaches_a_log_line(
    app, client, store, open_cycle, questionnaire, caplog
) -> None:
    token = _token(app, _link(store, open_cycle))
    with caplog.at_level("DEBUG"):
        client.get(f"/k/{token}")
        client.post(f"/k/{token}/answers", json=_answer(questionnaire))
        app.logger.info("served /k/%s/answers", token)
    assert caplog.records and all(token not in r.getMessage() for r in caplog.records)
