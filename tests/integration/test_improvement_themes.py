"""Suggestion themes through HTTP: staff name a theme once, the office page counts matching suggestions of that
office only, nothing shows below K, and bad input stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, SuggestionTheme
from tests.helpers import csrf_token

from .staff_data import OTHER, OWN, Spec, add_responses, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _add_theme(client, name: str, keywords: str):  # type: ignore[no-untyped-def]
    page = client.get("/staff/themes?lang=en")
    return client.post(
        "/staff/themes?lang=en",
        data={"name": name, "keywords": keywords, "csrf_token": csrf_token(page.text)},
    )


def test_named_theme_counts_the_offices_matching_suggestions(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    texts = ["ห้องน้ำสกปรก", "ห้องน้ำไม่สะอาด", "ห้องน้ำเหม็น", "ที่จอดรถไม่พอ", "ห้องน้ำน้อย", "ควรปรับปรุงห้องน้ำ", "บริการดี"]
    add_responses(session, cycle, questionnaire, OWN, [Spec(suggestion=t) for t in texts])
    add_responses(session, cycle, questionnaire, OTHER, [Spec(suggestion="ห้องน้ำสกปรก")] * 6)
    admin = client.application.test_client()
    sign_in(admin, session, "admin")
    assert _add_theme(admin, "สถานที่", "ห้องน้ำ, ที่จอดรถ").status_code == 302
    sign_in(client, session, "office", OWN)
    assert "<h2>Name a theme</h2>" not in client.get("/staff/themes?lang=en").text
    assert _add_theme(client, "ที่จอดรถ", "ที่จอดรถ").status_code == 403, (
        "office staff cannot name national themes"
    )
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "theme_add")) == "theme_add"
    assert [t.name for t in session.scalars(select(SuggestionTheme))] == ["สถานที่"]
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    counts = page.split('id="theme-counts"')[1].split("</table>")[0]
    # OWN: six of its seven suggestions mention ห้องน้ำ or ที่จอดรถ (OTHER's six do not count here).
    assert "สถานที่" in counts and '<td class="num">6</td>' in counts
    words = page.split('id="theme-words"')[1].split("</ol>")[0]
    assert "ห้องน้ำ" in words and "(5)" in words, "ห้องน้ำ appears in five suggestions"
    assert "ที่จอดรถ" not in words, "one suggestion is below K"


def test_below_k_suggestions_nothing_is_shown(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(suggestion="ห้องน้ำสกปรก")] * 4)
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert 'id="theme-words"' not in page and "Shown once at least 5 suggestions" in page


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part
def test_bad_or_duplicate_theme_is_refused_and_viewers_cannot_add(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    assert _add_theme(client, "สถานที่", "ห้องน้ำ").status_code == 302
    duplicate = _add_theme(client, "สถานที่", "ที่จอดรถ")
    assert duplicate.status_code == 409 and "already exists" in duplicate.text
    empty = _add_theme(client, "อื่น ๆ", " , ,")
    assert empty.status_code == 400 and "at least one keyword" in empty.text
    assert len(session.scalars(select(SuggestionTheme)).all()) == 1
    viewer = client.application.test_client()
    sign_in(viewer, session, "viewer")
    page = viewer.get("/staff/themes?lang=th").text
    assert "ประเด็นของข้อเสนอแนะ" in page
    refused = viewer.post(
        "/staff/themes", data={"name": "x", "keywords": "y", "csrf_token": csrf_token(page)}
    )
    assert refused.status_code == 403
