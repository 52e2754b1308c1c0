"""Staff invitation pages: upload with a per-row report in Thai, "import the valid rows", queueing, limits, and
contacts never shown to another office, to viewers, or tied to an answer."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, Invitation, OutboxMessage
from survey_app.services.outreach.invitations import purge_contacts
from tests.helpers import csrf_token

from .staff_data import OTHER, OWN, isolate_requests, sign_in

PAGE = f"/staff/offices/{OWN}/invitations"


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _upload(client, data: bytes, office: str = OWN, name: str = "contacts.csv"):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(f"/staff/offices/{office}/invitations").text)
    return client.post(
        f"/staff/offices/{office}/invitations/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _emails(session) -> list[str]:  # type: ignore[no-untyped-def]
    session.expire_all()
    return sorted(e or "" for e in session.scalars(select(Invitation.email)))


BAD_FILE = "\ufeffemail,name,service\na@x.example,A,mining\nnot-an-email,B,\nc@x.example,C,astrology\na@x.example,A,\n"


def test_a_file_with_errors_shows_the_report_imports_nothing_then_imports_its_valid_rows(
    client, session, cycle
):  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    report = _upload(client, BAD_FILE.encode())
    assert report.status_code == 422
    rows = re.findall(r'<td class="num">(\d+)</td>\s*<td>([^<]+)</td>', report.text)
    assert [(r, reason.strip()) for r, reason in rows] == [
        ("3", "อีเมลไม่ถูกต้อง"), ("4", "ไม่รู้จักงานบริการนี้"), ("5", "ซ้ำ (ข้าม)")]  # fmt: skip
    assert "อีเมลเดียวกับแถวที่ 2" in report.text
    assert _emails(session) == []

    form = re.search(
        r'<form method="post" action="([^"]+)">\s*(.*?)</form>', report.text.split("import-report")[1], re.S
    )
    assert form is not None
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    assert fields["valid_rows_only"] == "1"
    done = client.post(form.group(1), data=fields)
    assert done.status_code == 200 and "นำเข้ารายชื่อใหม่ 1 รายการ" in done.text
    assert _emails(session) == ["a@x.example"]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "contacts_imported")).one()
    assert event.detail["created"] == 1 and event.detail["errors"] == 2


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (b"email\n" + b"a@x.example\n" * 90_000, 400, "ไฟล์มีขนาดใหญ่เกิน 1024 KB"),
        (b"email\n" + b"a@x.example\n" * 200_000, 413, "ไฟล์หรือข้อมูลใหญ่เกินไป"),
        ("email,name\na@x.example,สมชาย\n".encode("cp874"), 400, "ไฟล์ไม่ได้เข้ารหัสแบบ UTF-8"),
        (b"\x00\x01\x02binary", 400, "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ"),
        (b"name\nA\n", 400, "ต้องมีคอลัมน์ 'email'"),
    ],
    ids=["over-1-MiB", "over-request-limit", "not-utf8", "binary", "no-email-column"],
)
def test_unreadable_uploads_are_refused_with_a_thai_message_and_change_nothing(  # type: ignore[no-untyped-def]
    client, session, cycle, data, status, message
):
    sign_in(client, session, "office", OWN)
    response = _upload(client, data)
    assert response.status_code == status
    assert message in response.text
    assert _emails(session) == []


def test_queueing_sends_each_contact_once_and_is_audited(client, session, cycle):  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    assert _upload(client, b"email\na@x.example\nb@x.example\n").status_code == 200
    token = csrf_token(client.get(PAGE).text)
    first = client.post(f"{PAGE}/queue", data={"csrf_token": token}, follow_redirects=True)
    assert "จัดคิวอีเมลเชิญ 2 ฉบับเพื่อส่งแล้ว" in first.text
    second = client.post(f"{PAGE}/queue", data={"csrf_token": token}, follow_redirects=True)
    assert "จัดคิวอีเมลเชิญ 0 ฉบับเพื่อส่งแล้ว" in second.text
    assert len(session.scalars(select(OutboxMessage)).all()) == 2
    queued = session.scalars(select(AuditEvent).where(AuditEvent.action == "invitations_queued")).all()
    assert [e.detail["queued"] for e in queued] == [2, 0]


def test_contacts_are_shown_to_their_office_only_and_never_with_who_answered(app, client, session, cycle):  # type: ignore[no-untyped-def]
    own = app.test_client()
    sign_in(own, session, "office", OWN)
    _upload(own, b"email\nanswered@x.example\nsilent@x.example\n")
    for inv in session.scalars(select(Invitation)):
        inv.status, inv.responded = "sent", inv.email == "answered@x.example"
    session.commit()
    page = own.get(PAGE).text
    rows = {
        e: row
        for row in re.findall(r"<tr><td>.*?</tr>", page, re.S)
        for e in ("answered", "silent")
        if e in row
    }
    assert rows["answered"].replace("answered", "X") == rows["silent"].replace("silent", "X")
    assert "<dd>1</dd>" in page  # one answered, as a count

    sign_in(client, session, "office", OTHER)
    assert client.get(PAGE).status_code == 404
    viewer = app.test_client()
    sign_in(viewer, session, "viewer")
    seen = viewer.get(PAGE)
    assert seen.status_code == 200 and "@x.example" not in seen.text and 'type="file"' not in seen.text
    token = csrf_token(seen.text)
    refused = viewer.post(
        f"{PAGE}/import", data={"csrf_token": token, "file": (io.BytesIO(b"email\nv@x.example\n"), "c.csv")}
    )
    assert refused.status_code == 403 and "v@x.example" not in _emails(session)


def test_after_the_purge_only_counts_remain(client, session, cycle):  # type: ignore[no-untyped-def]
    sign_in(client, session, "office", OWN)
    _upload(client, b"email\na@x.example\n")
    purge_contacts(session, cycle)
    cycle.state = "closed"
    session.commit()
    page = client.get(PAGE)
    assert "a@x.example" not in page.text and "(ลบแล้ว)" in page.text and "ปิดแล้ว" in page.text
    assert 'type="file"' not in page.text
