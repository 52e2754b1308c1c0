"""The opt-out link: a GET asks (mail scanners open links), a POST stops every further email; bad links get a
bilingual 404 and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey_app.clock import utc_now
from survey_app.models import Invitation, OutboxMessage
from survey_app.tokens import invitation_token, optout_token


@pytest.fixture
def invited(app, session, cycle):  # type: ignore[no-untyped-def]
    inv = Invitation(cycle_id=cycle.id, office_code="50", email="owner@factory.example", status="sent",
                     sent_at=utc_now())  # fmt: skip
    session.add(inv)
    session.flush()
    session.add(OutboxMessage(invitation_id=inv.id, kind="reminder", state="queued"))
    session.commit()
    with app.app_context():
        return inv, f"/o/{optout_token(inv.id)}"


def _state(session, inv):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Invitation, inv.id).status, session.scalars(select(OutboxMessage.state)).all()


def test_get_shows_a_bilingual_confirmation_and_changes_nothing(client, session, invited) -> None:
    inv, path = invited
    page = client.get(path)
    assert page.status_code == 200
    assert "ยกเลิกการรับอีเมล" in page.text and "Stop emails about this survey" in page.text
    assert "สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่" in page.text and '<form method="post"' in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert _state(session, inv) == ("sent", ["queued"])


def test_post_opts_out_and_cancels_queued_mail_once_and_for_all(client, session, invited) -> None:
    inv, path = invited
    done = client.post(path)
    assert done.status_code == 200 and "ท่านจะไม่ได้รับอีเมล" in done.text and "no more emails" in done.text
    assert _state(session, inv) == ("opted_out", ["cancelled"])
    again = client.get(path)
    assert (
        "ท่านจะไม่ได้รับอีเมล" in again.text and "<form" not in again.text.split("<main", 1)[1].split("</main>")[0]
    )


def test_one_click_unsubscribe_post_from_a_mail_client_works_without_a_form_token(
    client, session, invited
) -> None:
    inv, path = invited
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _state(session, inv)[0] == "opted_out"


@pytest.mark.parametrize("kind", ["tampered", "survey-token", "garbage"])
def test_a_bad_opt_out_link_is_a_bilingual_404_and_changes_nothing(
    app, client, session, invited, kind
) -> None:
    inv, path = invited
    with app.app_context():
        token = {
            "tampered": path[3:-2] + ("AA" if not path.endswith("AA") else "BA"),
            "survey-token": invitation_token(inv.id),  # a survey link is no opt-out link
            "garbage": "x" * 300,
        }[kind]
    page = client.post(f"/o/{token}")
    assert page.status_code == 404
    assert "ลิงก์ยกเลิกการรับอีเมลไม่ถูกต้อง" in page.text and "This unsubscribe link is not valid" in page.text
    assert _state(session, inv) == ("sent", ["queued"])
