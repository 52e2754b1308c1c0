"""The weighted scores and the population frame: an office's staff who compare the weighted EIT with the plain one,
or read it under two frames they saved themselves, must not learn one respondent's answer.

The attack: the weighted EIT is the frame's mix of the weighting cells' means (post-stratification), the plain EIT
their mix by the counts. In an office whose answers fall in two cells, the two numbers give both cells' means; a
second frame over the same answers does the same for any number of cells. Doing it again after the next release
gives the cells' means then, and a cell that gained one respondent gives that respondent's EIT away — a difference of
fewer than K respondents, which design.md forbids staff to see. Before the auditor cleared the weighted scores as the
weighting cells' figures (it cleared them as their respondent types' only), both attacks below recovered the one
new mining respondent's EIT to 1e-7 (1.1111 from the pages, against 1.1111 computed from the answers). Now the weighted
scores of that release are withheld, the plain ones shown, and the attack has nothing to solve."""

from __future__ import annotations

import pytest

from survey_app.services.intake import batches as release
from tests.helpers import csrf_token

from .staff_data import OWN, Spec, add_responses, isolate_requests, raw_answers, response_row, sign_in

K = 5
# Two frames that mix the same two cells (individual people served for licensing and for mining) 1:3 and 3:1.
MIX_1 = {("individual", "factory_licensing"): 100, ("individual", "mining"): 300}
MIX_2 = {("individual", "factory_licensing"): 300, ("individual", "mining"): 100}


def _eit(client) -> dict:  # type: ignore[no-untyped-def, type-arg]
    office = client.get(f"/staff/api/results?office={OWN}").json["offices"][0]
    return office["eit"]


def _save_frame(client, frame: dict[tuple[str, str], int]) -> None:  # type: ignore[no-untyped-def]
    """Save ``frame`` through the office page's grid, as the office's staff may at any time."""
    token = csrf_token(client.get(f"/staff/offices/{OWN}/frame").text)
    cells = {f"served-{t}-{s}": str(n) for (t, s), n in frame.items()}
    assert client.post(f"/staff/offices/{OWN}/frame", data={"csrf_token": token, **cells}).status_code == 302


def _release_one_more_mining_answer(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    """A batch of K: four licensing answers and one mining answer (the target), released as the survey releases."""
    for spec in [Spec(level=3)] * (K - 1) + [Spec(level=0, service="mining")]:
        raw = raw_answers(questionnaire, spec.level)
        session.add(response_row(cycle, questionnaire, OWN, raw, cycle.opens_on, spec, released=False))
    session.flush()
    assert release.release_if_complete(session.connection(), cycle.id, OWN, questionnaire, K) == K
    session.commit()


@pytest.fixture
def office(app, client, session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """The office's staff signed in, a frame saved, and ten answers released: five in each cell."""
    isolate_requests(app)
    sign_in(client, session, "office", OWN)
    _save_frame(client, MIX_1)
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 5 + [Spec(level=1, service="mining")] * 5
    )
    return client


def test_the_weighted_eit_beside_the_plain_one_gives_no_answer_away(
    office, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    first = _eit(office)
    assert first["weighted"] is not None and first["unweighted"] is not None, "both shown: cells of five"
    _release_one_more_mining_answer(session, cycle, questionnaire)
    second = _eit(office)
    assert second["unweighted"] is not None and second["unweighted"]["mean"] != first["unweighted"]["mean"]
    assert second["weighted"] is None, "the mining cell gained one respondent: its mean would give them away"


def test_a_second_frame_gives_no_answer_away_either(office, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    seen = []
    for frame in (MIX_2, MIX_1):
        _save_frame(office, frame)
        seen.append(_eit(office))
    assert all(view["weighted"] is not None for view in seen), "before the release: both frames' weighted EIT"
    _release_one_more_mining_answer(session, cycle, questionnaire)
    for frame in (MIX_2, MIX_1):
        _save_frame(office, frame)
        view = _eit(office)
        assert view["unweighted"] is not None and view["weighted"] is None
