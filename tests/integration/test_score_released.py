"""``survey-app score`` scores every stored response and says so; ``--released`` gives exactly what staff see."""

from __future__ import annotations

import json

import pytest

from survey_app.cli import cli
from tests import survey_helpers
from tests.helpers import login
from tests.integration.staff_data import PASSWORD, expected_eit, make_user, raw_answers
from tests.survey_helpers import form_data, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    return make_app(SUPPRESS_BELOW=5, MIN_SECONDS=0)


def _answer(app, questionnaire, level: int, times: int, path: str) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    raw = raw_answers(questionnaire, level)
    client = app.test_client()
    for _ in range(times):
        fields = {f"{item}_{sub}": str(value) for (item, sub), value in raw.items()}
        data = form_data(client.get(path + "?new=1").text, questionnaire, **fields)
        assert client.post(path, data=data).status_code == 303
    return raw


def _score(app, *args: str):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(cli, ["score", "--office", "50", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_score_counts_every_response_and_released_only_the_batches(app, store, open_cycle, questionnaire):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    high = _answer(app, questionnaire, 3, 5, path)  # one batch of five: released
    low = _answer(app, questionnaire, 1, 2, path)  # two waiting
    everything, note = _score(app)
    assert "every stored response, including 2 not yet released to staff" in note
    office = everything["offices"][0]
    assert office["count"] == 7
    # The plain EIT mean of the seven respondents, from the score map by hand (staff_data.expected_eit).
    mean = (5 * expected_eit(questionnaire, high) + 2 * expected_eit(questionnaire, low)) / 7
    # JSON carries 10 significant digits (disclosure.settle: the same data, the same bytes).
    assert office["eit"]["unweighted"]["mean"] == pytest.approx(mean, rel=1e-9)

    released, note = _score(app, "--released")
    assert "what staff see" in note
    office = released["offices"][0]
    assert office["count"] == 5
    assert office["eit"]["unweighted"]["mean"] == pytest.approx(expected_eit(questionnaire, high), rel=1e-9)

    staff = app.test_client()
    make_user(store, "admin")
    assert login(staff, "admin@industry.test", PASSWORD).status_code == 302
    api = staff.get("/staff/api/results?office=50").json
    assert api == released
