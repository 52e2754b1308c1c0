"""One scoring path: after the score map in the questionnaire file changes and ``survey-app stats rebuild`` runs, the
office's score (``score`` command and results API), its monthly trend (office page), the microdata and the integrity
figures all score every answer under the new map, on SQLite and PostgreSQL.

The expected values are computed here from the raw answers and the new map written into the file: sub-item scores
looked up in ``NEW_SCORES``, averaged into items, items into indicators, indicators into the EIT.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import re
import shutil
import statistics
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from survey_app.cli import cli
from survey_app.clock import local_today
from survey_app.models import Answer, Response
from survey_app.questionnaire import load
from survey_app.services.integrity import assessment
from survey_app.services.operations import verify
from survey_app.services.results import respondents, rollup

from .staff_data import OTHER, OWN, Spec, isolate_requests, response_row, sign_in

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "surveys" / "eit-2568.yaml"
# The new map: every answer type's scores move, so every item, indicator and the EIT change.
NEW_SCORES = {
    "level4": {0: 0.0, 1: 50.0, 2: 80.0, 3: 100.0},
    "yesno": {0: 20.0, 1: 100.0},
    "ever_never": {0: 10.0, 1: 100.0},
}
PER_MONTH = 6


def _write_new_map(directory: Path) -> dict:  # type: ignore[type-arg]
    """A copy of the questionnaire file with ``NEW_SCORES`` in ``directory``; returns the parsed file."""
    raw = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    for code, scores in NEW_SCORES.items():
        for option in raw["answer_types"][code]["options"]:
            option["score"] = scores[option["value"]]
    directory.mkdir()
    (directory / SOURCE.name).write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shutil.copyfile(ROOT / "surveys" / "offices.csv", directory / "offices.csv")
    return raw


def _expected(raw_file: dict, answers: dict[tuple[str, int], int]) -> dict[str, float]:  # type: ignore[type-arg]
    """Item values and the EIT of one respondent under the new map, from the file's structure."""
    items: dict[str, float] = {}
    by_indicator: dict[str, list[float]] = defaultdict(list)
    for item in raw_file["items"]:
        subs = [value for (code, _sub), value in answers.items() if code == item["code"]]
        scores = [NEW_SCORES[item["answer_type"]][v] for v in subs]
        items[item["code"]] = sum(scores) / len(scores)
        by_indicator[item["indicator"]].append(items[item["code"]])
    indicators = [sum(v) / len(v) for code, v in by_indicator.items() if code in raw_file["eit_indicators"]]
    return {**items, "EIT": sum(indicators) / len(indicators)}


def _random_answers(questionnaire, rng: random.Random) -> dict[tuple[str, int], int]:  # type: ignore[no-untyped-def]
    return {
        key: rng.choice(sorted(item.answer_type.values)) for item in questionnaire.items for key in item.keys
    }


def _store(session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """Twelve released responses of office OWN in two months (one, early in a cycle) and one of office OTHER
    waiting for its batch, scored under the old map; returns the released (day, answers) and the waiting answers."""
    rng = random.Random(22)
    today = local_today()
    days = [today, max(cycle.opens_on, today - dt.timedelta(days=35))]
    stored = []
    for i in range(2 * PER_MONTH):
        day, answers = days[i // PER_MONTH], _random_answers(questionnaire, rng)
        spec = Spec(channel="email" if i % 3 == 0 else "poster")
        session.add(response_row(cycle, questionnaire, OWN, answers, day, spec))
        stored.append((day, answers))
    waiting = _random_answers(questionnaire, rng)  # another office's response, waiting for its batch
    session.add(response_row(cycle, questionnaire, OTHER, waiting, days[0], Spec(), released=False))
    session.flush()
    rollup.rebuild(session, cycle.id, questionnaire)
    session.commit()
    return stored, waiting


def _trend_cell(page: str, month: str) -> str:
    row = re.search(rf'<tr id="trend-{month}">(.*?)</tr>', page, re.S)
    assert row is not None, f"no trend row for {month}"
    return row.group(1)


def test_after_a_score_map_change_and_rebuild_every_figure_scores_the_new_map(
    app, client, session, cycle, questionnaire, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    isolate_requests(app)
    stored, waiting = _store(session, cycle, questionnaire)
    sign_in(client, session, "admin")
    assert client.get(f"/staff/offices/{OWN}").status_code == 200  # a snapshot under the old map exists

    new_dir = tmp_path / "surveys"
    raw_file = _write_new_map(new_dir)
    app.config["SURVEYS_DIR"] = str(new_dir)
    new_map = load(new_dir / SOURCE.name)
    expected = [(day, _expected(raw_file, answers)) for day, answers in stored]
    old_eit = statistics.fmean(questionnaire.measures(a)["EIT"] for _d, a in stored)
    new_eit = statistics.fmean(values["EIT"] for _d, values in expected)
    assert abs(new_eit - old_eit) > 1, "the new map must move the EIT for the test to mean anything"
    stale = [p for p in verify.check_rollup(session, lambda _c: new_map) if "score map" in p.message]
    assert stale, "verify names the answers scored under the old map"

    outcome = app.test_cli_runner().invoke(cli, ["stats", "rebuild", "--cycle", cycle.code])
    assert outcome.exit_code == 0, outcome.output
    changed = sum(
        NEW_SCORES[item["answer_type"]][v] != questionnaire.item(item["code"]).answer_type.score(v)
        for item in raw_file["items"]
        for answers in [waiting, *(a for _d, a in stored)]
        for (code, _sub), v in answers.items()
        if code == item["code"]
    )
    assert f"{changed} answer scores rewritten" in outcome.output
    session.expire_all()
    stored_scores = session.execute(
        sa.select(Answer.item, Answer.value, Answer.score).join(Response).where(Response.cycle_id == cycle.id)
    ).all()
    assert len(stored_scores) == 13 * len(questionnaire.answer_keys), "released and waiting answers alike"
    assert all(score == new_map.item(item).answer_type.score(v) for item, v, score in stored_scores)
    assert verify.check_rollup(session, lambda _c: new_map) == []

    # The office's score: the score command and the results API.
    scored = app.test_cli_runner().invoke(
        cli, ["score", "--cycle", cycle.code, "--office", OWN, "--released"]
    )
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["offices"][0]["eit"]["unweighted"]["mean"] == pytest.approx(
        new_eit, rel=1e-9
    )
    api = client.get(f"/staff/api/results?cycle={cycle.code}&office={OWN}").get_json()
    assert api["offices"][0]["eit"]["unweighted"]["mean"] == pytest.approx(new_eit, rel=1e-9)

    # Its monthly trend on the office page.
    page = client.get(f"/staff/offices/{OWN}?lang=en").text
    months: dict[str, list[float]] = defaultdict(list)
    for day, values in expected:
        months[day.strftime("%Y-%m")].append(values["EIT"])
    for month, eits in months.items():
        assert f"{statistics.fmean(eits):.2f}" in _trend_cell(page, month)

    # The microdata: one row per response, its item scores under the new map.
    body = client.get(f"/staff/microdata.csv?cycle={cycle.code}")
    assert body.status_code == 200
    rows = list(csv.reader(io.StringIO(body.text.lstrip("\ufeff"))))
    codes = [item["code"] for item in raw_file["items"]]
    got = sorted(tuple(round(float(v), 4) for v in row[-len(codes) :]) for row in rows[1:])
    want = sorted(tuple(round(values[c], 4) for c in codes) for _d, values in expected)
    assert got == want

    # The integrity figures: the office's EIT moments and the plain mean the page shows for a named office.
    office = next(a for a in assessment.aggregates(session, new_map, cycle.id) if a.office == OWN)
    eits = [values["EIT"] for _d, values in expected]
    total = office.poster + office.email
    assert (total.n, total.total) == (len(eits), pytest.approx(sum(eits), rel=1e-9))
    assert total.total_sq == pytest.approx(sum(v * v for v in eits), rel=1e-9)
    report = assessment.assess(session, new_map, cycle, local_today())
    assert next(a for a in report.offices if a.office == OWN).effect.eit == pytest.approx(new_eit, rel=1e-9)
    assert client.get(f"/staff/integrity?cycle={cycle.code}").status_code == 200


def test_the_sql_answer_weights_give_the_means_of_means_of_the_questionnaire(questionnaire) -> None:  # type: ignore[no-untyped-def]
    in_indicator, in_eit = rollup.answer_weights(questionnaire)
    rng = random.Random(7)
    raw_file = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    original = {
        code: {o["value"]: o["score"] for o in t["options"]} for code, t in raw_file["answer_types"].items()
    }
    for _ in range(20):
        answers = _random_answers(questionnaire, rng)
        scores = {key: questionnaire.item(key[0]).answer_type.score(v) for key, v in answers.items()}
        eit = sum(s * in_eit.weights[item] for (item, _sub), s in scores.items()) / in_eit.divisor
        # Expected from the file: mean of indicators of mean of items of mean of sub-items.
        by_indicator: dict[str, list[float]] = defaultdict(list)
        for item in raw_file["items"]:
            subs = [v for (code, _s), v in answers.items() if code == item["code"]]
            table = original[item["answer_type"]]
            values = [float(Fraction(str(table[v]))) for v in subs]  # scores such as "100/3"
            by_indicator[item["indicator"]].append(sum(values) / len(values))
        means = [sum(v) / len(v) for v in by_indicator.values()]
        assert eit == pytest.approx(sum(means) / len(means), rel=1e-12)
        for code, items in by_indicator.items():
            value = sum(
                s * in_indicator.weights[item] for (item, _sub), s in scores.items() if item in
                {i["code"] for i in raw_file["items"] if i["indicator"] == code}
            ) / in_indicator.divisor  # fmt: skip
            assert value == pytest.approx(sum(items) / len(items), rel=1e-12)
    every_top = sum(100.0 * in_eit.weights[item] for item, _sub in questionnaire.answer_keys) / in_eit.divisor
    assert every_top == 100.0, "all answers at the top give exactly 100, not a rounding step above"


def test_a_snapshot_reads_each_released_respondent_with_the_measures_of_the_python_statement(  # type: ignore[no-untyped-def]
    session, cycle, questionnaire
) -> None:
    """The release snapshot's one read of an office (``respondents.by_office``: every measure in SQL, one row per
    response) gives each released response the values ``Questionnaire.measures`` computes from its raw answers, its
    lowest EIT answer score and its answer pattern; a response still waiting for its batch is not read."""
    stored, _waiting = _store(session, cycle, questionnaire)
    found = dict(respondents.by_office(session, questionnaire, cycle.id, [OWN, OTHER]))
    assert found[OTHER] == []
    _in_indicator, in_eit = rollup.answer_weights(questionnaire)
    expected = {}
    for day, answers in stored:
        pattern = sum(answers[key] * 5**i for i, key in enumerate(questionnaire.answer_keys))
        low = min(
            questionnaire.item(i).answer_type.score(v)
            for (i, _s), v in answers.items()
            if i in in_eit.weights
        )
        expected[pattern] = (day, questionnaire.measures(answers), low)
    assert len(expected) == len(stored) == len(found[OWN])
    for respondent in found[OWN]:
        day, values, low = expected[respondent.pattern]
        assert (respondent.day, respondent.low) == (day, low)
        assert respondent.values.keys() == values.keys()
        for measure, value in values.items():
            assert respondent.values[measure] == pytest.approx(value, rel=1e-12), measure
