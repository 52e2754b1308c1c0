"""The weighted scores and the population frame, attacked by an office's own staff (the assessed party).

The weighted EIT is the frame's mix of the weighting cells' means (post-stratification), recomputed at once for a
new frame. Whoever can save two frames over the same released answers reads the weighted EIT under each and solves
for the cells' means; doing it again after the next release, a cell that gained one respondent gives that
respondent's EIT away — a difference of fewer than K respondents, which design.md forbids staff to see. So once an
office has released answers, only the ministry's admins (not the assessed party; every change audited) may change its
frame (``frames.locked_for``).

What remains, and is pinned here as a known leak: the plain EIT beside the weighted one under a single frame gives
the same two equations in an office whose answers fall in two weighting cells. The auditor clears the weighted
scores as their respondent types' figures only; clearing them as the cells' figures withholds them almost always (5
of 60 releases of a simulated office with a 24-cell frame), so the next step is to clear the weighted row itself,
whose coefficients are frame sizes and counts, not values."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey_app.models import AuditEvent
from survey_app.services.cycles import frames
from tests.helpers import csrf_token

from .staff_data import (
    OWN,
    Spec,
    add_responses,
    expected_eit,
    isolate_requests,
    make_user,
    raw_answers,
    release_waiting,
    sign_in,
)

K = 5
# Two frames that mix the same two cells (individual people served for licensing and for mining) 1:3 and 3:1.
MIX_1 = {("individual", "factory_licensing"): 100, ("individual", "mining"): 300}
MIX_2 = {("individual", "factory_licensing"): 300, ("individual", "mining"): 100}


def _eit(client) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return client.get(f"/staff/api/results?office={OWN}").json["offices"][0]["eit"]


def _post_frame(client, frame: dict[tuple[str, str], int], lang: str = "th"):  # type: ignore[no-untyped-def]
    """Save ``frame`` through the frame page's grid."""
    token = csrf_token(client.get(f"/staff/offices/{OWN}/frame?lang={lang}").text)
    cells = {f"served-{t}-{s}": str(n) for (t, s), n in frame.items()}
    return client.post(f"/staff/offices/{OWN}/frame?lang={lang}", data={"csrf_token": token, **cells})


def _ten_released_answers(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 5 + [Spec(level=1, service="mining")] * 5
    )


def _release_one_more_mining_answer(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """A batch of K: four licensing answers and one mining answer (the target, level 0), released as the survey
    releases."""
    batch = [Spec(level=3)] * (K - 1) + [Spec(level=0, service="mining")]
    assert release_waiting(session, cycle, questionnaire, OWN, batch, K) == K


def test_two_frames_over_two_releases_give_one_answer_away(
    app, client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    """The channel the lock closes is real: whoever may change the frame after a release (an admin, here) recovers
    the EIT of the one respondent a release added to the mining cell, exactly."""
    isolate_requests(app)
    sign_in(client, session, "admin")
    admin = make_user(session, "admin", email="frames@industry.test")
    _ten_released_answers(session, cycle, questionnaire)
    means = []
    for step in range(2):
        seen = []
        for frame in (MIX_1, MIX_2):
            assert frames.save_frame(session, admin, cycle, OWN, frame, "test")
            session.commit()
            seen.append(_eit(client)["weighted"]["mean"])
        means.append((3 * seen[0] - seen[1]) / 2)  # ¼·licensing + ¾·mining, ¾·licensing + ¼·mining
        if step == 0:
            _release_one_more_mining_answer(session, cycle, questionnaire)
    recovered = 6 * means[1] - 5 * means[0]
    assert recovered == pytest.approx(expected_eit(questionnaire, raw_answers(questionnaire, 0)), abs=1e-6)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_an_offices_staff_cannot_save_a_second_frame_over_released_answers(  # type: ignore[no-untyped-def]
    app, client, session, cycle, questionnaire, lang
) -> None:
    """The office's staff set the frame before the first release; afterwards a new one is refused (409, in the
    page's language) and changes nothing — frame, weighted EIT, audit log; the page shows the frame read-only and
    says whom to ask. An admin can still correct it."""
    isolate_requests(app)
    sign_in(client, session, "office", OWN)
    assert _post_frame(client, MIX_1, lang).status_code == 302
    _ten_released_answers(session, cycle, questionnaire)
    before = _eit(client)["weighted"]["mean"]
    changes = sa.select(sa.func.count()).where(AuditEvent.action == "frame_changed")
    audited = session.scalar(changes)

    page = client.get(f"/staff/offices/{OWN}/frame?lang={lang}")
    assert 'name="served-' not in page.text, "the grid is shown read-only"
    refused = _post_frame(client, MIX_2, lang)
    assert refused.status_code == 409
    reason = {
        "th": "เจ้าหน้าที่ของสำนักงานจึงแก้ไขกรอบประชากรเองไม่ได้อีก",
        "en": "its own staff can no longer change the frame",
    }[lang]
    assert reason in page.text and reason in refused.text
    session.expire_all()
    assert frames.load_frame(session, cycle.id, OWN) == MIX_1
    assert _eit(client)["weighted"]["mean"] == before
    assert session.scalar(changes) == audited

    admin = make_user(session, "admin", email="ministry@industry.test")
    assert frames.save_frame(session, admin, cycle, OWN, MIX_2, "test")
    session.commit()
    assert _eit(client)["weighted"]["mean"] != before


def test_an_office_without_a_frame_may_enter_its_first_after_answers_are_released(  # type: ignore[no-untyped-def]
    app, client, session, cycle, questionnaire
) -> None:
    """One frame gives no second mix to compare with: the first may come late, the second may not."""
    isolate_requests(app)
    sign_in(client, session, "office", OWN)
    _ten_released_answers(session, cycle, questionnaire)
    assert _eit(client)["weighted"] is None
    assert _post_frame(client, MIX_1).status_code == 302
    assert _eit(client)["weighted"] is not None
    assert _post_frame(client, MIX_2).status_code == 409


@pytest.mark.xfail(
    strict=True, reason="known leak: the auditor clears the weighted scores as type figures only"
)
def test_the_weighted_eit_beside_the_plain_one_gives_no_answer_away(  # type: ignore[no-untyped-def]
    app, client, session, cycle, questionnaire
) -> None:
    """One frame, two releases, two cells: the weighted EIT (¼·licensing + ¾·mining) and the plain one (by the counts,
    which the page's breakdowns show) give both cells' means at each release, and their change the new mining
    respondent's EIT. Fails today (the answer is recovered); passes once the auditor clears the weighted row."""
    isolate_requests(app)
    sign_in(client, session, "office", OWN)
    assert _post_frame(client, MIX_1).status_code == 302
    _ten_released_answers(session, cycle, questionnaire)
    means = []
    for step, (licensing, mining) in enumerate(((5, 5), (9, 6))):
        eit = _eit(client)
        if eit["weighted"] is None:
            return  # withheld: nothing to solve
        weighted, plain, n = eit["weighted"]["mean"], eit["unweighted"]["mean"], licensing + mining
        # weighted = ¼a + ¾b and plain·n = licensing·a + mining·b, solved for b (the mining cell's mean).
        means.append((plain * n - 4 * licensing * weighted) / (mining - 3 * licensing))
        if step == 0:
            _release_one_more_mining_answer(session, cycle, questionnaire)
    recovered = 6 * means[1] - 5 * means[0]
    assert recovered != pytest.approx(expected_eit(questionnaire, raw_answers(questionnaire, 0)), abs=1e-3)
