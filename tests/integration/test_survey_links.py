"""Links that open no form: tampered, unknown, revoked, not yet open, closed, already answered; key rotation; the
``survey-app links create`` command. Each bad link gets its own page in Thai and English, and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from survey_app.cli import cli
from survey_app.clock import local_today
from survey_app.models import Invitation, SurveyLink
from survey_app.tokens import invitation_token, poster_token
from tests import survey_helpers
from tests.survey_helpers import (
    form_data,
    invitation,
    invitation_path,
    poster_link,
    poster_path,
    table_counts,
)

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

TITLES = {
    "tampered": (400, "ลิงก์ไม่ถูกต้อง", "This link is not valid"),
    "unknown": (404, "ไม่พบแบบสอบถามของลิงก์นี้", "No survey for this link"),
    "revoked": (410, "ลิงก์นี้ถูกยกเลิกแล้ว", "This link was withdrawn"),
    "not_yet_open": (404, "แบบสอบถามยังไม่เปิด", "The survey is not open yet"),
    "closed": (410, "แบบสอบถามรอบนี้ปิดแล้ว", "This survey round has closed"),
}


def _flip(text: str) -> str:
    """``text`` with its last character changed (a signature or id altered by hand)."""
    return text[:-1] + ("A" if text[-1] != "A" else "B")


def _assert_page(response, kind: str) -> None:  # type: ignore[no-untyped-def]
    status, thai, english = TITLES[kind]
    assert response.status_code == status, response.text[:400]
    html = response.text
    assert f'<h1 id="page-title" lang="th">{thai}</h1>' in html
    assert f'<h2 lang="en">{english}</h2>' in html
    assert "<form" not in html
    assert response.headers["Cache-Control"] == "no-store"


def _bad_path(app, store, open_cycle, kind: str) -> str:  # type: ignore[no-untyped-def]
    """A survey path that is bad in the way ``kind`` says (the database is arranged to match)."""
    link = poster_link(store, open_cycle)
    good = poster_path(app, link)
    today = local_today()
    with app.app_context():
        if kind == "tampered":
            return _flip(good)
        if kind == "unknown":
            return "/s/" + poster_token(link.id + 1000, 1)
        if kind == "revoked":
            link.version = 2
        elif kind == "not_yet_open":
            open_cycle.opens_on = today + dt.timedelta(days=3)
            open_cycle.closes_on = today + dt.timedelta(days=90)
        elif kind == "closed":
            open_cycle.closes_on = today - dt.timedelta(days=2)
            open_cycle.opens_on = today - dt.timedelta(days=90)
    store.commit()
    return good


@pytest.mark.parametrize("kind", list(TITLES))
def test_bad_poster_link_gets_its_own_bilingual_page_on_get_and_post_and_writes_nothing(
    app, client, store, open_cycle, questionnaire, kind
):  # type: ignore[no-untyped-def]
    good_page = client.get(poster_path(app, poster_link(store, open_cycle, audience="business"))).text
    path = _bad_path(app, store, open_cycle, kind)
    before = table_counts(store)
    _assert_page(client.get(path), kind)
    _assert_page(client.post(path, data=form_data(good_page, questionnaire)), kind)
    assert table_counts(store) == before


def test_not_yet_open_and_closed_pages_give_the_date_in_both_calendars(app, client, store, open_cycle):  # type: ignore[no-untyped-def]
    path = _bad_path(app, store, open_cycle, "not_yet_open")
    opens = open_cycle.opens_on
    html = client.get(path).text
    assert (
        f"{opens.year + 543}" in html
        and f"it opens on {opens.day} {opens.strftime('%b')} {opens.year}" in html
    )


@pytest.mark.parametrize(
    ("mutate", "kind"),
    [
        ("short", "tampered"),
        ("payload", "tampered"),
        ("long", "tampered"),
        ("non_ascii", "tampered"),
        ("inactive", "revoked"),
        ("draft", "not_yet_open"),
        ("closed_state", "closed"),
    ],
)
def test_more_ways_a_poster_link_goes_bad(app, client, store, open_cycle, mutate, kind):  # type: ignore[no-untyped-def]
    link = poster_link(store, open_cycle)
    path = poster_path(app, link)
    token = path.removeprefix("/s/")
    paths = {
        "short": "/s/abc",
        "payload": "/s/p" + str(link.id) + "-2." + token.split(".")[1],  # version changed, signature kept
        "long": "/s/" + "p" * 300,
        "non_ascii": "/s/" + token[:-1] + "ก",
    }
    if mutate == "inactive":
        link.active = False
    elif mutate == "draft":
        open_cycle.state = "draft"
    elif mutate == "closed_state":
        open_cycle.state = "closed"
    store.commit()
    before = table_counts(store)
    _assert_page(client.get(paths.get(mutate, path)), kind)
    assert table_counts(store) == before


def test_bad_invitation_links(app, client, store, open_cycle):  # type: ignore[no-untyped-def]
    inv = invitation(store, open_cycle)
    path = invitation_path(app, inv)
    with app.app_context():
        unknown = "/s/" + invitation_token("x" * 22)
    before = table_counts(store)
    _assert_page(client.get(_flip(path)), "tampered")
    _assert_page(client.get(unknown), "unknown")
    open_cycle.state = "closed"
    store.commit()
    _assert_page(client.get(path), "closed")
    assert table_counts(store) == before


def test_link_signed_with_the_previous_key_works_until_that_key_is_removed(make_app, store, open_cycle):  # type: ignore[no-untyped-def]
    old_app = make_app(LINK_KEYS=["key-2025"])
    link = poster_link(store, open_cycle)
    printed = poster_path(old_app, link)  # the poster on the wall
    rotated = make_app(LINK_KEYS=["key-2026", "key-2025"])
    assert rotated.test_client().get(printed).status_code == 200
    assert poster_path(rotated, link) != printed  # new posters are signed with the new key
    assert rotated.test_client().get(poster_path(rotated, link)).status_code == 200
    retired = make_app(LINK_KEYS=["key-2026"])
    _assert_page(retired.test_client().get(printed), "tampered")


def test_answered_invitation_page_writes_nothing(app, client, store, open_cycle):  # type: ignore[no-untyped-def]
    inv = invitation(store, open_cycle)
    inv.responded = True
    store.commit()
    before = table_counts(store)
    page = client.get(invitation_path(app, inv))
    assert page.status_code == 200
    assert "ท่านตอบแบบสอบถามนี้แล้ว ขอบคุณ" in page.text and "You have already answered. Thank you" in page.text
    assert "Error code" not in page.text and "รหัสข้อผิดพลาด" not in page.text
    assert table_counts(store) == before


# --- survey-app links create -----------------------------------------------------------------------------------------


def test_links_create_prints_a_short_working_url_once(app, store, open_cycle):  # type: ignore[no-untyped-def]
    app.config["BASE_URL"] = "https://eit-survey.industry.go.th"  # 32 characters
    runner = app.test_cli_runner()
    first = runner.invoke(cli, ["links", "create", "--office", "50", "--audience", "citizen"])
    assert first.exit_code == 0, first.output
    url = first.stdout.strip()
    assert url.startswith("https://eit-survey.industry.go.th/s/p") and len(url) < 90
    assert app.test_client().get(url.removeprefix("https://eit-survey.industry.go.th")).status_code == 200
    again = runner.invoke(
        cli, ["links", "create", "--cycle", open_cycle.code, "--office", "50", "--audience", "citizen"]
    )
    assert again.stdout.strip() == url
    business = runner.invoke(cli, ["links", "create", "--office", "50", "--audience", "business"])
    assert business.stdout.strip() != url
    rows = store.scalars(select(SurveyLink.audience).order_by(SurveyLink.audience)).all()
    assert rows == ["business", "citizen"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--office", "99", "--audience", "citizen"], "no office with code '99'"),
        (["--office", "50", "--audience", "citizen", "--cycle", "EIT-2400"], "no cycle 'EIT-2400'"),
    ],
)
def test_links_create_refuses_an_unknown_office_or_cycle(app, store, open_cycle, args, message):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(cli, ["links", "create", *args])
    assert result.exit_code == 1 and message in result.output
    assert store.scalars(select(SurveyLink)).all() == []


def test_invitation_survey_url_is_under_90_characters(app, store, open_cycle):  # type: ignore[no-untyped-def]
    from survey_app.tokens import invitation_url

    inv = invitation(store, open_cycle)
    app.config["BASE_URL"] = "https://eit-survey.industry.go.th"
    with app.app_context():
        url = invitation_url(inv.id)
    assert len(url) < 90 and store.get(Invitation, inv.id) is not None
