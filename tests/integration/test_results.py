"""Results from the database: the cell rollup and the frames in, per-office and national scores out.

Expected numbers are computed here from the raw answers with the questionnaire's own per-respondent measures,
independently of the rollup and of the statistics engine. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict

import pytest
import sqlalchemy as sa

from survey_app.cli import cli
from survey_app.clock import local_today
from survey_app.models import Answer, CellStat, PopulationFrame, Response
from survey_app.services.results import rollup
from survey_app.services.results import scores as results
from survey_app.services.results.reasons import Note
from survey_app.stats.sampling import required_sample_size

CELLS = {
    ("individual", "factory_licensing"): 12,
    ("individual", "information"): 8,
    ("business", "mining"): 10,
}
FRAME = {
    ("individual", "factory_licensing"): 600,
    ("individual", "information"): 150,
    ("business", "mining"): 250,
}


def _add_responses(session, cycle, questionnaire, office: str, cells: dict, seed: int, flag_first: int = 0):
    """Insert responses with random answers; returns {cell: [EIT value per respondent]} and the flagged values."""
    rng = random.Random(seed)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    flagged: list[float] = []
    for (rtype, service), count in cells.items():
        for i in range(count):
            raw = {
                key: rng.choice(list(questionnaire.item(key[0]).answer_type.values))
                for key in questionnaire.answer_keys
            }
            response = Response(
                cycle_id=cycle.id, office_code=office, channel="poster", respondent_type=rtype, service=service,
                questionnaire_version=questionnaire.version, submitted_on=local_today(),
                too_fast=len(flagged) < flag_first and i == 0,
            )  # fmt: skip
            response.answers = [
                Answer(item=item, sub=sub, value=v, score=questionnaire.item(item).answer_type.score(v))
                for (item, sub), v in raw.items()
            ]
            session.add(response)
            eit = questionnaire.measures(raw)["EIT"]
            (flagged if response.too_fast else values[(rtype, service)]).append(eit)
    session.flush()
    rollup.rebuild(session, cycle.id, questionnaire)
    session.commit()
    return values, flagged


def _add_frame(session, cycle, office: str, frame: dict) -> None:
    for (rtype, service), served in frame.items():
        session.add(
            PopulationFrame(
                cycle_id=cycle.id, office_code=office, respondent_type=rtype, service=service, served=served
            )
        )
    session.commit()


def _office(session, cycle, code: str, **kwargs) -> results.OfficeResult:
    return results.cycle_results(session, cycle, [code], **kwargs).offices[0]


def test_office_scores_match_direct_computation_from_answers(session, cycle, questionnaire) -> None:
    values, _ = _add_responses(session, cycle, questionnaire, "50", CELLS, seed=1)
    _add_frame(session, cycle, "50", FRAME)
    result = _office(session, cycle, "50")
    every = [v for cell in values.values() for v in cell]
    assert result.count == 30 and result.weighting == "poststratify" and result.merges == ()
    assert result.eit is not None and result.eit.weighted is not None
    assert result.eit.unweighted.mean == pytest.approx(sum(every) / len(every), rel=1e-12)
    population = sum(FRAME.values())
    expected = sum(FRAME[c] * sum(v) / len(v) for c, v in values.items()) / population
    assert result.eit.weighted.mean == pytest.approx(expected, rel=1e-12)
    assert result.eit.weighted.low < expected < result.eit.weighted.high
    assert result.adequacy.statistical == required_sample_size(population)
    assert (result.adequacy.binding, result.adequacy.adequate) == ("statistical", False)
    assert set(result.indicators) == {"IND6", "IND7", "IND8"} and len(result.items) == 15


def test_raking_to_frame_totals_equals_poststratifying_when_the_totals_fix_every_cell(
    session, cycle, questionnaire
) -> None:
    # Business respondents used one service only, so the type and service totals of FRAME determine its cells.
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=9)
    _add_frame(session, cycle, "50", FRAME)
    post = _office(session, cycle, "50")
    raked = _office(session, cycle, "50", calibration="rake")
    assert raked.weighting == "rake"
    assert raked.eit is not None and raked.eit.weighted is not None
    assert post.eit is not None and post.eit.weighted is not None
    assert raked.eit.weighted.mean == pytest.approx(post.eit.weighted.mean, rel=1e-9)


def test_flagged_responses_are_counted_and_can_be_excluded(session, cycle, questionnaire) -> None:
    values, flagged = _add_responses(session, cycle, questionnaire, "50", CELLS, seed=2, flag_first=2)
    kept = [v for cell in values.values() for v in cell]
    everyone = _office(session, cycle, "50")
    clean = _office(session, cycle, "50", exclude_flagged=True)
    assert (everyone.count, everyone.flagged) == (30, 2)
    assert (clean.count, clean.flagged_excluded) == (28, True)
    assert clean.eit is not None
    assert clean.eit.unweighted.mean == pytest.approx(sum(kept) / len(kept), rel=1e-12)
    assert everyone.eit is not None
    assert everyone.eit.unweighted.mean == pytest.approx((sum(kept) + sum(flagged)) / 30, rel=1e-12)


def test_office_without_frame_is_scored_unweighted_and_says_so(session, cycle, questionnaire) -> None:
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=3)
    result = _office(session, cycle, "50")
    assert result.weighting == "unweighted" and result.eit is not None and result.eit.weighted is None
    assert "no_frame" in [note.code for note in result.notes]
    assert result.adequacy.binding == "fixed_minimum" and result.adequacy.required == cycle.min_sample
    # no frame, so no finite population correction: z · √(0.25 / 30) with z = Φ⁻¹(0.975)
    assert result.margin_of_error == pytest.approx(1.959963984540054 * math.sqrt(0.25 / 30), rel=1e-12)
    assert result.design_effect is None


def test_sparse_cells_are_merged_and_reported(session, cycle, questionnaire) -> None:
    cells = {**CELLS, ("business", "procurement"): 2}
    values, _ = _add_responses(session, cycle, questionnaire, "50", cells, seed=4)
    _add_frame(session, cycle, "50", {**FRAME, ("business", "procurement"): 50, ("agency", "other"): 40})
    result = _office(session, cycle, "50")
    assert result.merges == (
        Note("merged_sparse", {
            "type": "business", "service": "procurement", "into": "mining", "n": 2, "population": "50",
        }),
    )  # fmt: skip
    assert Note("type_not_covered", {
        "type": "agency", "population": "40", "covered": "1,050", "total": "1,090",
    }) in result.notes  # fmt: skip
    business = values[("business", "mining")] + values[("business", "procurement")]
    individual = {c: v for c, v in values.items() if c[0] == "individual"}
    expected = 300 * sum(business) / len(business) + sum(
        FRAME[c] * sum(v) / len(v) for c, v in individual.items()
    )
    assert result.eit is not None and result.eit.weighted is not None
    assert result.eit.weighted.mean == pytest.approx(expected / 1050, rel=1e-12)


def test_national_rollup_averages_offices_and_pools_them_by_population(session, cycle, questionnaire) -> None:
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=5)
    _add_responses(session, cycle, questionnaire, "11", CELLS, seed=6)
    _add_frame(session, cycle, "50", FRAME)
    _add_frame(session, cycle, "11", {cell: 3 * served for cell, served in FRAME.items()})
    outcome = results.cycle_results(session, cycle, ["11", "50"])
    scores = {o.office_code: o.eit.weighted.mean for o in outcome.offices if o.eit and o.eit.weighted}
    national = outcome.national
    assert national is not None and national.pooled is not None
    assert national.mean_of_offices_weighted == pytest.approx((scores["11"] + scores["50"]) / 2, rel=1e-12)
    assert national.pooled.mean == pytest.approx((3 * scores["11"] + scores["50"]) / 4, rel=1e-12)
    assert (national.offices_scored, national.responses, national.pooled_offices) == (2, 60, 2)


def test_unknown_office_is_refused(session, cycle) -> None:
    with pytest.raises(LookupError, match="99"):
        results.cycle_results(session, cycle, ["99"])


def _run(app, *args: str):
    return app.test_cli_runner().invoke(cli, list(args), catch_exceptions=False)


def test_score_command_prints_json_and_csv(app, session, cycle, questionnaire) -> None:
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=7)
    _add_frame(session, cycle, "50", FRAME)
    as_json = _run(app, "score", "--cycle", cycle.code, "--office", "50")
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert "every stored response, including 0 not yet released" in as_json.stderr
    office = payload["offices"][0]
    assert (office["office_code"], office["count"], office["weighting"]) == ("50", 30, "poststratify")
    assert 0 <= office["eit"]["weighted"]["mean"] <= 100
    as_csv = _run(app, "score", "--cycle", cycle.code, "--office", "50", "--format", "csv")
    header, row = as_csv.stdout.splitlines()[:2]
    assert header.startswith("office_code,count,flagged") and row.startswith("50,30,0,1000,poststratify")


def test_stats_rebuild_command_restores_the_rollup(app, session, cycle, questionnaire) -> None:
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=8)
    before = _office(session, cycle, "50")
    session.execute(sa.delete(CellStat))
    session.commit()
    assert _office(session, cycle, "50").count == 0
    outcome = _run(app, "stats", "rebuild", "--cycle", cycle.code)
    assert outcome.exit_code == 0, outcome.output
    after = _office(session, cycle, "50")
    assert after.count == 30 and after.eit is not None and before.eit is not None
    assert after.eit.unweighted.mean == pytest.approx(before.eit.unweighted.mean, rel=1e-12)


def test_the_cycle_sets_the_floor_each_respondent_type_must_reach(session, cycle, questionnaire) -> None:
    _add_responses(session, cycle, questionnaire, "50", CELLS, seed=4)
    cycle.min_sample = 1
    cycle.type_floor = 0
    session.commit()
    assert _office(session, cycle, "50").adequacy.binding == "fixed_minimum"
    per_type = {rtype: sum(n for (t, _), n in CELLS.items() if t == rtype) for rtype, _ in CELLS}
    smallest = min(per_type, key=per_type.__getitem__)
    cycle.type_floor = per_type[smallest] + 3
    session.commit()
    adequacy = _office(session, cycle, "50").adequacy
    assert adequacy.binding == f"respondent_type:{smallest}"
    assert not adequacy.adequate and adequacy.shortfall >= 3
