"""Population frames: typed into the grid or imported from CSV, validated whole, audited; hostile files change
nothing; viewers and other offices' users cannot change a frame."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent, PopulationFrame
from tests.helpers import csrf_token

from .staff_data import OTHER, OWN, isolate_requests, sign_in


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _frame(session, cycle, office: str = OWN) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.execute(
        sa.select(PopulationFrame.respondent_type, PopulationFrame.service, PopulationFrame.served).where(
            PopulationFrame.cycle_id == cycle.id, PopulationFrame.office_code == office
        )
    )
    return {(t, s): n for t, s, n in rows}


def _seed_frame(session, cycle, office: str = OWN) -> None:  # type: ignore[no-untyped-def]
    session.add(PopulationFrame(cycle_id=cycle.id, office_code=office, respondent_type="business",
                                service="mining", served=77))  # fmt: skip
    session.commit()


def _token(client, office: str = OWN) -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get(f"/staff/offices/{office}/frame").text)


def _upload(client, content: bytes, office: str = OWN, name: str = "frame.csv"):  # type: ignore[no-untyped-def]
    token = _token(client, OWN)
    return client.post(
        f"/staff/offices/{office}/frame/import?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_grid_saves_the_typed_numbers_and_is_audited(client, session, cycle) -> None:
    user = sign_in(client, session, "office", OWN)
    token = _token(client)
    response = client.post(f"/staff/offices/{OWN}/frame", data={
        "csrf_token": token, "served-individual-factory_licensing": "1,200", "served-business-mining": " 35 ",
        "served-agency-other": "0",
    })  # fmt: skip
    assert response.status_code == 302
    assert _frame(session, cycle) == {
        ("individual", "factory_licensing"): 1200, ("business", "mining"): 35, ("agency", "other"): 0,
    }  # fmt: skip
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "frame_changed")).one()
    assert event.actor_email == user.email and event.office_code == OWN
    assert event.detail["total_after"] == 1235 and event.detail["source"] == "form"
    page = client.get(f"/staff/offices/{OWN}/frame").text
    assert 'value="1200"' in page


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("bad", ["-5", "12.5", "=1+1", "abc", "99999999999", "１２"])
def test_grid_refuses_a_bad_cell_and_saves_nothing(client, session, cycle, bad: str) -> None:
    _seed_frame(session, cycle)
    sign_in(client, session, "admin")
    response = client.post(f"/staff/offices/{OWN}/frame?lang=en", data={
        "csrf_token": _token(client), "served-individual-factory_licensing": "100", "served-business-other": bad,
    })  # fmt: skip
    assert response.status_code == 400
    assert "Nothing was saved" in response.text and "Not a whole number" in response.text
    assert _frame(session, cycle) == {("business", "mining"): 77}


VALID = "respondent_type,service,served\r\nindividual,factory_licensing,500\r\nbusiness,mining,120\r\n"


def test_csv_import_replaces_the_frame(client, session, cycle) -> None:
    _seed_frame(session, cycle)
    sign_in(client, session, "office", OWN)
    assert _upload(client, VALID.encode()).status_code == 302
    assert _frame(session, cycle) == {("individual", "factory_licensing"): 500, ("business", "mining"): 120}
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "frame_changed")).one()
    assert event.detail["source"] == "csv" and event.detail["total_before"] == 77


def test_csv_import_reads_excel_utf8_with_bom_and_thai_names(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    lines = [
        "respondent_type,service,served",
        'ประชาชน,การขอข้อมูลหรือคำปรึกษา,"1,500"',
        "Business or juristic person,mining,40",
    ]
    content = "\ufeff" + "\n".join(lines) + "\n"
    assert _upload(client, content.encode("utf-8")).status_code == 302
    assert _frame(session, cycle) == {("individual", "information"): 1500, ("business", "mining"): 40}


def test_downloaded_template_imports_back_unchanged(client, session, cycle) -> None:
    _seed_frame(session, cycle)
    sign_in(client, session, "admin")
    # From a Thai page the template is in Thai (headers and labels), from an English one in codes; both import.
    for lang, header, row in (
        ("th", "ประเภทผู้รับบริการ,บริการ,จำนวนผู้รับบริการ", "ผู้ประกอบการ/นิติบุคคล,การทำเหมืองแร่และแร่,77"),
        ("en", "respondent_type,service,served", "business,mining,77"),
    ):
        template = client.get(f"/staff/offices/{OWN}/frame.csv?lang={lang}")
        assert template.data.startswith(b"\xef\xbb\xbf")
        text = template.data.decode("utf-8-sig")
        assert text.startswith(header + "\r\n") and row + "\r\n" in text
        response = _upload(client, template.data)
        assert response.status_code == 302
        assert _frame(session, cycle) == {("business", "mining"): 77}


HOSTILE = {
    "oversized": (b"respondent_type,service,served\r\n" + b"individual,other,1\r\n" * 4000, "too large"),
    "nul_bytes": (b"respondent_type,service,served\r\nindividual,other,1\x00\r\n", "not a text CSV"),
    "latin1": ("respondent_type,service,served\r\nindividual,caf\u00e9,1\r\n".encode("latin-1"), "not UTF-8"),
    "formula": (b"respondent_type,service,served\r\nindividual,other,=1+1\r\n", "Not a whole number"),
    "negative": (b"respondent_type,service,served\r\nindividual,other,-4\r\n", "Not a whole number"),
    "duplicate": (
        b"respondent_type,service,served\r\nindividual,other,4\r\nindividual,other,5\r\n",
        "appear twice",
    ),
    "unknown_type": (b"respondent_type,service,served\r\nalien,other,4\r\n", "Unknown respondent type"),
    "unknown_service": (b"respondent_type,service,served\r\nindividual,teleport,4\r\n", "Unknown service"),
    "no_header": (b"individual,other,4\r\n", "The first line must be"),
    "extra_column": (b"respondent_type,service,served\r\nindividual,other,4,x\r\n", "exactly three columns"),
    "unbalanced_quote": (b'respondent_type,service,served\r\n"individual,other,4\r\n', "not valid CSV"),
    "empty": (b"", "no rows"),
    "header_only": (b"respondent_type,service,served\r\n", "no rows"),
    "too_many_rows": (
        b"respondent_type,service,served\r\n" + b"individual,other,1\r\n" * 600,
        "too many rows",
    ),
    "script": (
        b"respondent_type,service,served\r\n<script>alert(1)</script>,other,1\r\n",
        "Unknown respondent",
    ),
}


# Parsing happens before the database is touched: the cases run on SQLite; the refusal path runs on both below.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_csv_is_refused_with_a_reason_and_changes_nothing(client, session, cycle, case: str) -> None:
    content, reason = HOSTILE[case]
    _seed_frame(session, cycle)
    sign_in(client, session, "admin")
    response = _upload(client, content)
    assert response.status_code == 400
    assert reason in response.text
    assert "<script>alert(1)</script>" not in response.text
    assert _frame(session, cycle) == {("business", "mining"): 77}
    assert not session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "frame_changed")).all()


def test_a_file_over_the_request_limit_gets_413(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    response = _upload(client, b"x" * (3 * 1024 * 1024))
    assert response.status_code == 413
    assert _frame(session, cycle) == {}


def test_a_thai_page_explains_the_refusal_in_thai(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    token = _token(client)
    response = client.post(
        f"/staff/offices/{OWN}/frame/import?lang=th",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(b"respondent_type,service,served\r\nalien,other,4\r\n"), "f.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "ไม่รู้จักประเภทผู้ตอบนี้" in response.text and "บรรทัดที่ 2" in response.text


def test_viewers_see_the_frame_but_cannot_change_it(client, session, cycle) -> None:
    _seed_frame(session, cycle)
    sign_in(client, session, "viewer")
    page = client.get(f"/staff/offices/{OWN}/frame")
    assert page.status_code == 200 and '<input type="text"' not in page.text
    token = csrf_token(client.get("/staff/password").text)
    response = client.post(
        f"/staff/offices/{OWN}/frame", data={"csrf_token": token, "served-agency-other": "9"}
    )
    assert response.status_code == 403
    assert _frame(session, cycle) == {("business", "mining"): 77}


def test_an_office_user_cannot_change_another_offices_frame(client, session, cycle) -> None:
    _seed_frame(session, cycle, OTHER)
    sign_in(client, session, "office", OWN)
    token = _token(client, OWN)
    grid = client.post(
        f"/staff/offices/{OTHER}/frame", data={"csrf_token": token, "served-agency-other": "9"}
    )
    assert grid.status_code == 404
    upload = _upload(client, VALID.encode(), office=OTHER)
    assert upload.status_code == 404
    assert client.get(f"/staff/offices/{OTHER}/frame.csv").status_code == 404
    assert _frame(session, cycle, OTHER) == {("business", "mining"): 77}


def test_a_closed_cycles_frame_cannot_change(client, session, cycle) -> None:
    sign_in(client, session, "admin")
    token = _token(client)
    cycle.state = "closed"
    session.commit()
    response = client.post(f"/staff/offices/{OWN}/frame?lang=en", data={"csrf_token": token,
                                                                        "served-agency-other": "9"})  # fmt: skip
    assert response.status_code == 409
    assert "The cycle is closed" in response.text
    assert _frame(session, cycle) == {}
