"""Staff poster-link pages: create, revoke, re-issue; QR codes and posters read back by zbarimg open the survey;
viewers read only; another office's links are not found; every change is audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from survey_app.models import AuditEvent, SurveyLink
from survey_app.tokens import poster_url
from tests.helpers import csrf_token
from tests.qrtools import decode, pdf_to_png, rasterise_svg

from .staff_data import OTHER, OWN, isolate_requests, sign_in

BASE = "http://survey.test"


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


def _create(client, office: str = OWN, audience: str = "citizen"):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/offices/{office}/links")
    return client.post(
        f"/staff/offices/{office}/links", data={"csrf_token": csrf_token(page.text), "audience": audience}
    )


def _link(session, office: str = OWN, audience: str = "citizen") -> SurveyLink:  # type: ignore[no-untyped-def]
    session.expire_all()
    query = select(SurveyLink).where(SurveyLink.office_code == office, SurveyLink.audience == audience)
    return session.scalars(query).one()


def _shown_url(html: str) -> str:
    match = re.search(r'<code class="url">(http://survey\.test/s/[^<]+)</code>', html)
    assert match, "no survey URL on the page"
    return match.group(1)


def _post(client, path: str, confirm: bool = True):  # type: ignore[no-untyped-def]
    token = csrf_token(client.get(f"/staff/offices/{OWN}/links").text)
    return client.post(path, data={"csrf_token": token, **({"confirm": "1"} if confirm else {})})


def test_office_staff_create_a_link_whose_qr_png_svg_and_poster_open_the_survey(
    client, session, cycle, tmp_path: Path
) -> None:
    sign_in(client, session, "office", OWN)
    assert _create(client).status_code == 302
    page = client.get(f"/staff/offices/{OWN}/links")
    assert page.status_code == 200 and "ใช้งานอยู่" in page.text  # Active, in Thai by default
    url = _shown_url(page.text)
    link = _link(session)

    png = client.get(f"/staff/offices/{OWN}/links/{link.id}/qr.png")
    assert png.mimetype == "image/png" and "attachment" in png.headers["Content-Disposition"]
    (tmp_path / "qr.png").write_bytes(png.data)
    svg = client.get(f"/staff/offices/{OWN}/links/{link.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    poster = client.get(f"/staff/offices/{OWN}/links/{link.id}/poster.pdf")
    assert poster.mimetype == "application/pdf"
    (tmp_path / "poster.pdf").write_bytes(poster.data)
    (page_png,) = pdf_to_png(tmp_path / "poster.pdf", tmp_path / "poster", dpi=100)

    assert decode(tmp_path / "qr.png") == [url]
    assert decode(rasterise_svg(svg.text, tmp_path / "svg.png")) == [url]
    assert decode(page_png) == [url]
    survey = client.get(url.removeprefix(BASE))
    assert survey.status_code == 200 and "สำนักงานอุตสาหกรรมจังหวัดสมุทรปราการ" in survey.text

    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "link_created")).one()
    assert event.office_code == OWN and event.detail == {"cycle": cycle.code, "audience": "citizen"}


def test_revoking_stops_printed_posters_and_reissuing_gives_a_new_working_link(
    client, session, cycle
) -> None:
    sign_in(client, session, "office", OWN)
    _create(client)
    old_url = _shown_url(client.get(f"/staff/offices/{OWN}/links").text)
    link = _link(session)

    unconfirmed = _post(client, f"/staff/offices/{OWN}/links/{link.id}/revoke", confirm=False)
    assert unconfirmed.status_code == 302
    assert "โปรดทำเครื่องหมายเพื่อยืนยัน" in client.get(f"/staff/offices/{OWN}/links").text
    assert client.get(old_url.removeprefix(BASE)).status_code == 200  # still working
    assert _post(client, f"/staff/offices/{OWN}/links/{link.id}/revoke").status_code == 302
    revoked = client.get(old_url.removeprefix(BASE))
    assert revoked.status_code == 410 and "ลิงก์นี้ถูกยกเลิกแล้ว" in revoked.text
    page = client.get(f"/staff/offices/{OWN}/links")
    assert "ยกเลิกแล้ว" in page.text and '<code class="url">' not in page.text
    assert client.get(f"/staff/offices/{OWN}/links/{link.id}/qr.png").status_code == 404

    assert _post(client, f"/staff/offices/{OWN}/links/{link.id}/reissue").status_code == 302
    new_url = _shown_url(client.get(f"/staff/offices/{OWN}/links").text)
    assert new_url != old_url
    assert client.get(new_url.removeprefix(BASE)).status_code == 200
    assert client.get(old_url.removeprefix(BASE)).status_code == 410
    assert _link(session).version == 3
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("link_")] == ["link_created", "link_revoked", "link_reissued"]


def test_viewers_read_and_download_but_change_nothing(app, client, session, cycle) -> None:
    office = app.test_client()
    sign_in(office, session, "office", OWN)
    _create(office)
    link = _link(session)
    sign_in(client, session, "viewer")
    page = client.get(f"/staff/offices/{OWN}/links")
    assert page.status_code == 200 and "revoke" not in page.text and "reissue" not in page.text
    assert client.get(f"/staff/offices/{OWN}/links/{link.id}/qr.png").status_code == 200
    token = csrf_token(page.text)
    assert (
        client.post(f"/staff/offices/{OWN}/links/{link.id}/revoke", data={"csrf_token": token}).status_code
        == 403
    )
    assert _link(session).active and _link(session).version == 1


def test_another_offices_links_are_not_found(app, client, session, cycle) -> None:
    admin = app.test_client()
    sign_in(admin, session, "admin")
    _create(admin, office=OTHER)
    theirs = _link(session, office=OTHER)
    sign_in(client, session, "office", OWN)
    assert client.get(f"/staff/offices/{OTHER}/links").status_code == 404
    assert client.get(f"/staff/offices/{OTHER}/links/{theirs.id}/qr.png").status_code == 404
    # Their link's id under one's own office code is not found either.
    assert client.get(f"/staff/offices/{OWN}/links/{theirs.id}/qr.png").status_code == 404
    assert _post(client, f"/staff/offices/{OWN}/links/{theirs.id}/revoke").status_code == 404
    assert _link(session, office=OTHER).active


def test_admins_download_every_offices_posters_in_one_pdf(
    app, client, session, cycle, tmp_path: Path
) -> None:
    sign_in(client, session, "admin")
    token = csrf_token(client.get(f"/staff/offices/{OWN}/links").text)
    response = client.post(f"/staff/posters/all.pdf?cycle={cycle.code}", data={"csrf_token": token})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "all.pdf").write_bytes(response.data)
    (first,) = pdf_to_png(tmp_path / "all.pdf", tmp_path / "first", dpi=100, page=1)
    with app.app_context():
        expected = poster_url(_link(session, office=OWN))  # the first page: office 11 (lowest code), citizens
    assert decode(first) == [expected]
    assert len(session.scalars(select(SurveyLink)).all()) == 152
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "posters_printed")).one()
    assert event.detail["offices"] == 76
