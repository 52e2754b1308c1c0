"""Official ITA results: admins import a CSV, bad rows are reported by line, nothing is stored unless asked, and the
office page sets the official EIT beside the survey's estimate of the same fiscal year with their difference."""

from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, OfficialResult
from tests.helpers import csrf_token, login

from .staff_data import (
    OWN,
    PASSWORD,
    Spec,
    add_responses,
    expected_eit,
    isolate_requests,
    make_user,
    raw_answers,
    sign_in,
)


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _upload(client, body: str | bytes, valid_only: bool = False):  # type: ignore[no-untyped-def]
    page = client.get("/staff/official?lang=en")
    data = body.encode() if isinstance(body, str) else body
    form = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(data), "official.csv")}
    if valid_only:
        form["valid_only"] = "y"
    return client.post("/staff/official?lang=en", data=form, content_type="multipart/form-data")


def _rows(session) -> list[tuple[int, str, float]]:  # type: ignore[no-untyped-def]
    session.expire_all()
    found = session.scalars(select(OfficialResult).order_by(OfficialResult.office_code))
    return [(r.fiscal_year, r.office_code, r.eit) for r in found]


BAD_FILE = (
    "\ufefffiscal_year,office_code,eit,iit,oit,total\n"
    "2569,11,88.5,90,70,81.2\n"
    "2024,12,80,,,\n"  # Christian-era year
    "2569,99,80,,,\n"  # no such office
    "2569,13,101,,,\n"  # score above 100
    "2569,14,=1+1,,,\n"  # a formula is not a score
    "2569,11,70,,,\n"  # duplicate of line 2
)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    response = _upload(client, BAD_FILE)
    assert response.status_code == 400
    text = response.text
    for line, reason in [
        (3, "Buddhist-era year"),
        (4, "Unknown office code"),
        (5, "number from 0 to 100"),
        (6, "number from 0 to 100"),
        (7, "appears twice"),
    ]:
        assert f"Line {line}: " in text and reason in text
    assert "Nothing was imported" in text and _rows(session) == []
    thai = client.get("/staff/official?lang=th").text
    assert "ผลการประเมิน ITA อย่างเป็นทางการ" in thai


def test_valid_rows_only_imports_the_good_row_and_audits(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    response = _upload(client, BAD_FILE, valid_only=True)
    assert response.status_code == 200 and "1 rows imported." in response.text
    assert _rows(session) == [(2569, "11", 88.5)]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "official_import"))
    assert event is not None and event.detail["rows"] == 1 and event.detail["skipped"] == 5


def _preview(page: str) -> dict[str, str]:
    """The "import the valid rows" form of a report page: its CSRF token and signed preview."""
    form = re.search(r'<form[^>]*id="valid-rows-form".*?</form>', page, re.S)
    assert form is not None, "the report offers to import the valid rows"
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', form.group(0)))
    return {name: html.unescape(value) for name, value in fields.items()}


def test_valid_rows_are_imported_from_the_report_without_choosing_the_file_again(
    client, session, cycle
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    report = _upload(client, BAD_FILE)
    assert report.status_code == 400 and _rows(session) == []
    assert "Import the 1 valid rows" in report.text
    imported = client.post("/staff/official/valid-rows?lang=en", data=_preview(report.text))
    assert imported.status_code == 200
    assert "1 rows imported. 5 rows were skipped." in imported.text
    assert _rows(session) == [(2569, "11", 88.5)]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "official_import"))
    assert event is not None and event.detail["rows"] == 1 and event.detail["skipped"] == 5


def test_a_changed_expired_or_borrowed_preview_imports_nothing(
    client, session, cycle, app, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    fields = _preview(_upload(client, BAD_FILE).text)
    token = fields["preview"]
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")  # the signature no longer matches
    refused = client.post("/staff/official/valid-rows?lang=en", data={**fields, "preview": changed})
    assert (
        refused.status_code == 400 and "was changed or is not yours. Choose the file again." in refused.text
    )
    thai = client.post("/staff/official/valid-rows?lang=th", data={**fields, "preview": changed})
    assert thai.status_code == 400 and "ถูกแก้ไข หรือไม่ใช่ของบัญชีนี้" in thai.text
    monkeypatch.setattr("survey_app.services.improvement.official.PREVIEW_MAX_AGE", -1)
    expired = client.post("/staff/official/valid-rows?lang=en", data=fields)
    assert expired.status_code == 400 and "more than an hour old" in expired.text
    monkeypatch.undo()
    other = app.test_client()
    make_user(session, "admin", email="second-admin@industry.test")
    assert login(other, "second-admin@industry.test", PASSWORD).status_code == 302
    page = other.get("/staff/official?lang=en").text
    borrowed = other.post(
        "/staff/official/valid-rows?lang=en", data={"csrf_token": csrf_token(page), "preview": token}
    )
    assert borrowed.status_code == 400 and "is not yours" in borrowed.text
    assert _rows(session) == []
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "official_import")) is None
    # The preview itself still works for the admin it was made for.
    assert client.post("/staff/official/valid-rows?lang=en", data=fields).status_code == 200
    assert _rows(session) == [(2569, "11", 88.5)]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe\x00b", "not UTF-8"),
        ("office,score\n11,80\n", "must name the columns"),
        ("fiscal_year,office_code,eit\n" + "2569,11,80\n" * 30000, "too large"),
        ("fiscal_year,office_code,eit\n" + "2569,11,80\n" * 3000, "too many bad rows"),
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the database plays no part
def test_hostile_files_are_refused_whole(client, session, cycle, body, reason) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "admin")
    response = _upload(client, body)
    assert response.status_code == 400 and reason in response.text
    assert _rows(session) == []


def test_only_admins_import(client, session, cycle) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, session, "viewer")
    assert client.get("/staff/official").status_code == 403


def test_office_page_shows_the_official_eit_beside_the_survey_and_the_difference(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 6)
    survey = expected_eit(questionnaire, raw_answers(questionnaire, 2))
    sign_in(client, session, "admin")
    assert (
        _upload(client, f"fiscal_year,office_code,eit\n{cycle.fiscal_year},{OWN},80.00\n").status_code == 200
    )
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert 'id="official-eit">80.00<' in page
    assert f'id="official-difference">{survey - 80:+.2f}<' in page
    # A later import for the same office and year replaces the earlier one.
    assert _upload(client, f"fiscal_year,office_code,eit\n{cycle.fiscal_year},{OWN},90\n").status_code == 200
    assert _rows(session) == [(cycle.fiscal_year, OWN, 90.0)]
