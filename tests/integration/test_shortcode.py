"""``/t``: the six-character code printed on a poster opens the same survey as its QR code; bad codes write
nothing and say why in Thai and English; lookups are rate limited per client."""

from __future__ import annotations

from flask import Flask

from survey_app.models import SurveyLink
from survey_app.services.outreach import links as link_service
from survey_app.tokens import poster_short_code, poster_url, short_code
from tests import survey_helpers
from tests.survey_helpers import poster_link, table_counts

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


def _code(app: Flask, link: SurveyLink) -> str:
    with app.app_context():
        return poster_short_code(link)


def _url(app: Flask, link: SurveyLink) -> str:
    with app.app_context():
        return poster_url(link)


def test_typed_code_opens_the_survey_of_the_posters_qr_code(app, client, store, open_cycle) -> None:  # type: ignore[no-untyped-def]
    citizen = poster_link(store, open_cycle)
    business = poster_link(store, open_cycle, audience="business")
    code = _code(app, citizen)
    assert code != _code(app, business)
    typed = f" {code[:3].lower()}-{code[3:]} "  # as a person might type it
    page = client.get("/t", query_string={"code": typed})
    assert page.status_code == 303
    assert page.headers["Location"] == _url(app, citizen)
    assert client.get(f"/t/{code.lower()}").headers["Location"] == _url(app, citizen)
    assert client.get(f"/t/{_code(app, business)}").headers["Location"] == _url(app, business)
    survey = client.get(page.headers["Location"].removeprefix("http://survey.test"))
    assert survey.status_code == 200 and "<form" in survey.text


def test_empty_form_is_in_thai_with_english_one_click_away(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/t")
    assert page.status_code == 200
    assert 'lang="th"' in page.text and "พิมพ์รหัสจากโปสเตอร์" in page.text
    english = client.get("/t?lang=en")
    assert "Type the code from the poster" in english.text


def test_code_with_look_alike_characters_is_refused_with_400_and_writes_nothing(
    client, store, open_cycle
) -> None:  # type: ignore[no-untyped-def]
    poster_link(store, open_cycle)
    before = table_counts(store)
    page = client.get("/t", query_string={"code": "K7MQ40"})
    assert page.status_code == 400
    assert "ไม่มีเลขศูนย์" in page.text and "never zero, one, O, I or L" in page.text
    assert 'value="K7MQ40"' in page.text  # the typed code is shown again for correction
    assert table_counts(store) == before


def test_unknown_and_revoked_codes_answer_404(app, client, store, open_cycle) -> None:  # type: ignore[no-untyped-def]
    link = poster_link(store, open_cycle)
    old = _code(app, link)
    link_service.revoke_link(store, link)
    store.commit()
    before = table_counts(store)
    for code in (old, "ABCDEF"):
        page = client.get(f"/t/{code}")
        assert page.status_code == 404
        assert "ไม่พบโปสเตอร์ที่มีรหัสนี้" in page.text and "No poster has this code" in page.text
    link_service.reissue_link(store, link)
    store.commit()
    assert (
        client.get(f"/t/{old}").status_code == 404
    )  # a re-issued link has a new code; the old one stays dead
    assert client.get(f"/t/{_code(app, link)}").status_code == 303
    assert table_counts(store) == before


def test_codes_printed_before_a_key_rotation_keep_working(make_app, store, open_cycle) -> None:  # type: ignore[no-untyped-def]
    link = poster_link(store, open_cycle)
    printed = short_code(link.id, link.version, "old-key")
    rotated = make_app(LINK_KEYS=["new-key", "old-key"])
    answer = rotated.test_client().get(f"/t/{printed}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == _url(rotated, link)
    assert _code(rotated, link) == short_code(link.id, link.version, "new-key") != printed
    retired = make_app(LINK_KEYS=["new-key"])
    assert retired.test_client().get(f"/t/{printed}").status_code == 404


def test_lookups_are_rate_limited_per_client_but_the_empty_form_is_not(make_app, store, open_cycle) -> None:  # type: ignore[no-untyped-def]
    app = make_app(SHORTCODE_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/t").status_code == 200
    tries = [client.get(f"/t/ABCDE{c}").status_code for c in "FGHJ"]
    assert tries == [404, 404, 404, 429]
    refused = client.get("/t", query_string={"code": "ABCDEK"})
    assert refused.status_code == 429 and "Too many requests" in refused.text
    other = client.get("/t/ABCDEF", environ_base={"REMOTE_ADDR": "192.0.2.44"})
    assert other.status_code == 404  # another client has its own allowance


def test_landing_page_leads_to_the_code_page(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/").text
    assert 'href="/t"' in page and "พิมพ์รหัส 6 ตัวของโปสเตอร์" in page
