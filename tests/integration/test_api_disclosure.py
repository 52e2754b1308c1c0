"""The results API obeys the dashboard's rule: no scores without flagged responses unless K flagged and K unflagged
responses make the difference, no national roll-up without them, no weighted scores beside a respondent type of
fewer than K, and flag counts hidden under K."""

from __future__ import annotations

import pytest

from survey_app.models import PopulationFrame

from .staff_data import OWN, Spec, add_responses, expected_eit, isolate_requests, raw_answers, sign_in


@pytest.fixture
def admin(app, client, session, cycle):  # type: ignore[no-untyped-def]
    isolate_requests(app)
    sign_in(client, session, "admin")
    return client


def _office(client, **args: str):  # type: ignore[no-untyped-def]
    query = "&".join(f"{k}={v}" for k, v in {"office": OWN, **args}.items())
    payload = client.get(f"/staff/api/results?{query}").json
    return payload, payload["offices"][0]


def test_two_flagged_responses_cannot_be_subtracted_out(admin, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 10 + [Spec(level=0, too_fast=True)] * 2
    )
    _payload, everything = _office(admin)
    assert everything["eit"] is not None and everything["flagged"] is None  # 2 of 12: hidden
    payload, without = _office(admin, exclude_flagged="1")
    assert without["eit"] is None and without["without_flagged_hidden"] is True
    assert without["count"] == 12 and payload["national"] is None


def test_scores_without_flagged_responses_come_when_k_make_the_difference(
    admin, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    add_responses(
        session, cycle, questionnaire, OWN, [Spec(level=3)] * 6 + [Spec(level=1, too_fast=True)] * 5
    )
    _payload, without = _office(admin, exclude_flagged="1")
    assert without["without_flagged_hidden"] is False and without["flagged"] == 5
    # The six unflagged respondents all answered alike: the mean is one respondent's EIT, from the score map.
    high = expected_eit(questionnaire, raw_answers(questionnaire, 3))
    # JSON carries 10 significant digits (disclosure.settle: the same data, the same bytes).
    assert without["eit"]["unweighted"]["mean"] == pytest.approx(high, rel=1e-9)
    _payload, everything = _office(admin)
    low = expected_eit(questionnaire, raw_answers(questionnaire, 1))
    assert everything["eit"]["unweighted"]["mean"] == pytest.approx((6 * high + 5 * low) / 11, rel=1e-9)


def test_weighted_scores_are_withheld_beside_a_small_respondent_type(
    admin, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    specs = [Spec(level=3)] * 10 + [Spec(level=0, rtype="business", service="mining")]
    add_responses(session, cycle, questionnaire, OWN, specs)
    for rtype, service, served in (("individual", "factory_licensing", 500), ("business", "mining", 500)):
        session.add(PopulationFrame(cycle_id=cycle.id, office_code=OWN, respondent_type=rtype, service=service,
                                    served=served))  # fmt: skip
    session.commit()
    _payload, office = _office(admin)
    assert office["weighting"] == "poststratify"
    assert office["eit"]["weighted"] is None and office["eit"]["unweighted"] is not None
    assert office["type_counts"] == {"individual": None, "business": None}
    assert all(score["weighted"] is None for score in office["items"].values())
    # Derived fields say why and give no count away: not "no population frame" on an office that has one.
    reason = office["eit"]["weighted_reason"]["en"]
    assert "a respondent type has fewer than 5" in reason and "frame" not in reason
    assert office["adequacy"]["type_shortfalls"]["business"] is None, "floor − 1 would give the count"
    assert (
        office["design_effect"] is None
        and office["effective_n"] is None
        and office["margin_of_error"] is None
    )
    assert "respondent type" in office["design_effect_reason"]["en"]
