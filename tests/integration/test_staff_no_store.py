"""``Cache-Control: no-store`` on every ``/staff/`` response: pages, JSON, CSV, PDF and image downloads, redirects,
refusals and error pages; public pages keep their own caching."""

from __future__ import annotations

import pytest

from tests.integration.staff_data import OWN, isolate_requests, sign_in
from tests.survey_helpers import poster_link


@pytest.fixture
def admin(app, client, session, cycle):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    sign_in(client, session, "admin")
    return client


def test_every_kind_of_staff_response_is_no_store(admin, session, cycle) -> None:  # type: ignore[no-untyped-def]
    link = poster_link(session, cycle, office=OWN)
    paths = {
        "/staff/": 200,
        f"/staff/offices/{OWN}": 200,
        f"/staff/offices/{OWN}/invitations": 200,
        f"/staff/offices/{OWN}/links/{link.id}/poster.pdf": 200,
        f"/staff/offices/{OWN}/links/{link.id}/qr.png": 200,
        "/staff/export.csv": 200,
        "/staff/api/results": 200,
        "/staff/offices/99": 404,
        "/staff/no-such-page": 404,
    }
    for path, status in paths.items():
        response = admin.get(path)
        assert response.status_code == status, path
        assert response.headers.get("Cache-Control") == "no-store", path
        assert "ETag" not in response.headers and "Last-Modified" not in response.headers, path


def test_sign_in_page_and_redirects_are_no_store_too(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/staff/login").headers.get("Cache-Control") == "no-store"
    redirect = client.get("/staff/")
    assert redirect.status_code == 302 and redirect.headers.get("Cache-Control") == "no-store"


def test_public_pages_are_not_touched(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/static/site.css").headers.get("Cache-Control") != "no-store"
