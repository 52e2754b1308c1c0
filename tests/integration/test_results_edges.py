"""Results at the edges through the database, the ``score`` command, the JSON API and the office page.

Responses are stored as a submission stores them (response, answers and the rollup upsert); runs on SQLite and
PostgreSQL. The numbers themselves are checked against R in tests/unit/test_stats_edges.py; here: identical
answers keep an SE of exactly 0 incrementally and after a rebuild, and every null in the output says why.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from survey_app.cli import cli
from survey_app.models import CellStat, PopulationFrame
from survey_app.services.results import rollup
from survey_app.services.results import scores as results
from tests.integration.staff_data import Spec, add_responses, expected_eit, raw_answers, sign_in

EDGES = {
    "11": "frame, no responses",
    "12": "one response",
    "13": "no frame",
    "14": "frame error",
    "15": "merged cells",
    "16": "identical answers",
}


def _frame(session, cycle, office: str, cells: dict[tuple[str, str], int]) -> None:  # type: ignore[no-untyped-def]
    for (rtype, service), served in cells.items():
        session.add(PopulationFrame(
            cycle_id=cycle.id, office_code=office, respondent_type=rtype, service=service, served=served,
        ))  # fmt: skip
    session.commit()


def _arrange(session, cycle, questionnaire) -> None:  # type: ignore[no-untyped-def]
    frame = {("individual", "factory_licensing"): 300, ("individual", "information"): 100}
    _frame(session, cycle, "11", frame)
    _frame(session, cycle, "12", frame)
    add_responses(session, cycle, questionnaire, "12", [Spec(level=2)])
    add_responses(session, cycle, questionnaire, "13", [Spec(level=1), Spec(level=2), Spec(level=3)] * 2)
    _frame(session, cycle, "14", {("individual", "factory_licensing"): 3})
    add_responses(session, cycle, questionnaire, "14", [Spec(level=1), Spec(level=3)] * 3)
    _frame(session, cycle, "15", frame)
    specs = [Spec(level=3)] * 4 + [Spec(level=1)] * 3 + [Spec(service="information", level=2)] * 2
    add_responses(session, cycle, questionnaire, "15", specs)
    _frame(session, cycle, "16", frame)
    add_responses(
        session, cycle, questionnaire, "16", [Spec(level=2)] * 6 + [Spec(level=2, service="information")]
    )


def _unexplained_nulls(value: Any, path: str = "") -> list[str]:
    """Paths of nulls with neither a ``<key>_reason`` nor (in an estimate) a ``reason`` beside them."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None and f"{key}_reason" not in value and "reason" not in value:
                found.append(f"{path}.{key}")
            found += _unexplained_nulls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _unexplained_nulls(item, f"{path}[{i}]")
    return found


def _reasons(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        own = [value] if {"code", "th", "en"} <= set(value) else []
        return own + [r for item in value.values() for r in _reasons(item)]
    if isinstance(value, list):
        return [r for item in value for r in _reasons(item)]
    return []


def _refuse_nan(constant: str) -> float:
    raise AssertionError(f"{constant} in the JSON output")


def test_score_json_gives_every_edge_a_reason_in_words_and_no_nan(app, session, cycle, questionnaire) -> None:
    _arrange(session, cycle, questionnaire)
    args = ["score", "--cycle", cycle.code, "--format", "json", "--trim", "100"]
    for code in EDGES:
        args += ["--office", code]
    outcome = app.test_cli_runner().invoke(cli, args, catch_exceptions=False)
    assert outcome.exit_code == 0, outcome.output
    payload = json.loads(outcome.stdout, parse_constant=_refuse_nan)
    assert _unexplained_nulls(payload) == []
    for reason in _reasons(payload):
        assert reason["en"] and reason["th"] and reason["th"] != reason["en"], reason
        assert any("\u0e00" <= ch <= "\u0e7f" for ch in reason["th"]), reason
    offices = {o["office_code"]: o for o in payload["offices"]}
    codes = {code: [n["code"] for n in o["notes"] + o["merges"]] for code, o in offices.items()}
    assert (
        codes["11"][0] == "no_responses" and offices["11"]["design_effect_reason"]["code"] == "no_responses"
    )
    assert offices["12"]["eit"]["unweighted"]["reason"]["code"] == "one_response"
    assert "no_frame" in codes["13"]
    assert "frame_error" in codes["14"] and "14 " not in offices["14"]["notes"][0]["en"]
    assert offices["14"]["notes"][0]["params"] == {"frame": "3", "answered": 6}
    assert "merged_sparse" in codes["15"] and "trim_nothing" in codes["15"]
    assert offices["16"]["eit"]["weighted"]["se"] == 0.0
    excluded = {e["office_code"]: [r["code"] for r in e["reasons"]] for e in payload["national"]["excluded"]}
    assert excluded == {
        "11": ["no_responses"], "12": ["below_k", "one_response"], "13": ["no_frame"], "14": ["frame_error"],
    }  # fmt: skip
    assert payload["national"]["offices_pooled"] == ["15", "16"]


def test_identical_answers_give_se_exactly_zero_incrementally_and_after_rebuild(
    session, cycle, questionnaire
) -> None:
    add_responses(session, cycle, questionnaire, "11", [Spec(level=2)] * 7)
    value = expected_eit(questionnaire, raw_answers(questionnaire, 2))
    for stage in ("incremental", "rebuilt"):
        office = results.cycle_results(session, cycle, ["11"]).offices[0]
        assert office.eit is not None, stage
        estimate = office.eit.unweighted
        assert estimate.se == 0.0 and estimate.low == estimate.high == estimate.mean, stage
        assert estimate.mean == pytest.approx(value, rel=1e-14), stage
        cells = session.scalars(sa.select(CellStat).where(CellStat.measure == "EIT")).all()
        assert [(c.low, c.high) for c in cells] == [(pytest.approx(value, rel=1e-14),) * 2], stage
        rollup.rebuild(session, cycle.id, questionnaire)
        session.commit()


def test_frame_error_shows_on_the_office_page_and_in_the_api(client, session, cycle, questionnaire) -> None:
    _frame(session, cycle, "11", {("individual", "factory_licensing"): 3})
    add_responses(session, cycle, questionnaire, "11", [Spec(level=1), Spec(level=3)] * 3)
    sign_in(client, session, "admin")
    api = client.get("/staff/api/results?office=11").json
    note = api["offices"][0]["notes"][0]
    assert note["code"] == "frame_error" and note["en"].startswith(
        "The frame counts 3 people, 6 have answered"
    )
    english = client.get("/staff/offices/11?lang=en").text
    assert "Frame error" in english and "correct the frame" in english
    assert "no population frame yet" not in english
    thai = client.get("/staff/offices/11?lang=th").text
    assert "กรอบประชากรผิดพลาด" in thai and "โปรดแก้ไขกรอบประชากร" in thai


def test_cells_without_known_extremes_get_the_scale_ends_until_the_rebuild(
    session, cycle, questionnaire
) -> None:
    add_responses(session, cycle, questionnaire, "11", [Spec(level=2)] * 7)
    value = expected_eit(questionnaire, raw_answers(questionnaire, 2))
    # Rows written as before migration i11, without extremes: the columns' defaults are the ends of the scale.
    table = CellStat.__table__
    kept = [c for c in table.c if c.name not in ("low", "high")]
    rows = [dict(r._mapping) for r in session.execute(sa.select(*kept))]
    session.execute(sa.delete(table))
    session.execute(table.insert(), rows)
    session.commit()
    cell = session.scalars(sa.select(CellStat).where(CellStat.measure == "EIT")).one()
    assert (cell.low, cell.high) == (0.0, 100.0)  # true bounds that never mark a cell as holding one value
    rollup.rebuild(session, cycle.id, questionnaire)
    session.commit()
    cell = session.scalars(sa.select(CellStat).where(CellStat.measure == "EIT")).one()
    assert (cell.low, cell.high) == (pytest.approx(value, rel=1e-14), pytest.approx(value, rel=1e-14))
    office = results.cycle_results(session, cycle, ["11"]).offices[0]
    assert office.eit is not None and office.eit.unweighted.se == 0.0
