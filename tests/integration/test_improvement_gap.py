"""What holds the office back, through HTTP on both databases: the API's ``improvement`` field and the office page,
checked against item scores computed here from the questionnaire's score map and the hand formula
cost = (1/15) · max(0, target − score)."""

from __future__ import annotations

import pytest

from .staff_data import OWN, Spec, add_responses, isolate_requests, raw_answers, sign_in


@pytest.fixture(autouse=True)
def _isolated(app) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)


def _item_scores(questionnaire, level: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    raw = raw_answers(questionnaire, level)
    scores = {}
    for item in questionnaire.items:
        table = {o.value: o.score for o in item.answer_type.options}
        subs = [table[raw[key]] for key in item.keys]
        scores[item.code] = sum(subs) / len(subs)
    return scores


def test_api_gives_each_items_cost_toward_85_and_95_and_the_eit_if_it_reached_95(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=2)] * 6 + [Spec(level=1)] * 4)
    sign_in(client, session, "office", OWN)
    data = client.get(f"/staff/api/results?office={OWN}").get_json()["offices"][0]["improvement"]
    hi, lo = _item_scores(questionnaire, 2), _item_scores(questionnaire, 1)
    expected = {code: (6 * hi[code] + 4 * lo[code]) / 10 for code in hi}
    eit = sum(expected.values()) / 15  # three indicators of five items each: every item weighs 1/15
    assert data["basis"] == "unweighted"
    assert data["eit"] == pytest.approx(eit)
    assert data["gap_95"] == pytest.approx(95 - eit)
    by_item = {entry["item"]: entry for entry in data["items"]}
    for code, score in expected.items():
        assert by_item[code]["weight"] == pytest.approx(1 / 15)
        assert by_item[code]["cost_95"] == pytest.approx(max(0.0, 95 - score) / 15)
        assert by_item[code]["cost_85"] == pytest.approx(max(0.0, 85 - score) / 15)
        assert by_item[code]["eit_if_95"] == pytest.approx(eit + max(0.0, 95 - score) / 15)
    costs = [entry["cost_95"] for entry in data["items"]]
    assert costs == sorted(costs, reverse=True), "items come ranked by the points they cost"
    # Ten individuals answered through one service: one group per axis, large enough to name.
    assert by_item["E1"]["lowest_types"][0]["group"] == "individual"


def test_office_page_shows_the_ranked_items_and_hides_groups_below_k(
    client, session, cycle, questionnaire
) -> None:  # type: ignore[no-untyped-def]
    specs = [Spec(level=2)] * 6 + [Spec(rtype="business", service="mining", level=1)] * 3
    add_responses(session, cycle, questionnaire, OWN, specs)
    sign_in(client, session, "office", OWN)
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert "What holds the office back" in page and 'id="gap-E1"' in page
    # Businesses are 3 (< K = 5): hidden, and the lone hidden group hides individuals too.
    data = client.get(f"/staff/api/results?office={OWN}").get_json()["offices"][0]["improvement"]
    assert all(not entry["lowest_types"] for entry in data["items"])
    assert all(not entry["lowest_services"] for entry in data["items"])
    thai = client.get(f"/staff/offices/{OWN}?lang=th").text
    assert "สิ่งที่ฉุดคะแนน" in thai


def test_below_k_responses_there_is_no_decomposition(client, session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=1)] * 4)
    sign_in(client, session, "office", OWN)
    office = client.get(f"/staff/api/results?office={OWN}").get_json()["offices"][0]
    assert office["improvement"] is None
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    assert 'id="gap-table"' not in page and "Shown once the office has at least 5 responses" in page
