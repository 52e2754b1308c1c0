"""``survey-app score`` and ``survey-app stats rebuild``: results of a cycle as JSON or CSV, and the rollup rebuild.

``score`` is for operators, who hold the database anyway: by default it scores every stored response, those still
waiting for their office's batch of K included, and says so on standard error. ``score --released`` gives exactly
what staff see: the released state through the disclosure rule (``services/results/disclosure.py``).
``stats rebuild`` is how a score-map change in the questionnaire file takes effect: it rewrites every stored answer
score of the cycle under the current map and rebuilds the rollup in one transaction, so every figure agrees
(``services/results/rollup.py`` says how).

Registered on the ``survey-app`` group by :mod:`survey_app.cli`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import local_today
from ..services.improvement import gaps as improvement
from ..services.intake import batches as release
from ..services.results import rollup, snapshots
from ..services.results import scores as results_service
from ..services.results.reasons import labels_of
from ..services.results.snapshots import shown
from .common import cycle_option, cycle_questionnaire, fail, get_cycle, renew_snapshots, unit_of_work

CSV_COLUMNS = (
    "office_code",
    "count",
    "flagged",
    "population",
    "weighting",
    "required",
    "binding",
    "adequate",
    "shortfall",
    "effective_n",
    "design_effect",
    "margin_of_error",
    "eit_weighted",
    "eit_weighted_low",
    "eit_weighted_high",
    "eit_weighted_band",
    "eit_unweighted",
    "eit_unweighted_low",
    "eit_unweighted_high",
    "eit_unweighted_band",
    "notes",
)


def _round(value: float | None, places: int = 2) -> float | str:
    return "" if value is None else round(value, places)


def _csv_row(office: dict[str, Any]) -> list[object]:
    adequacy, eit = office["adequacy"], office["eit"] or {}
    weighted, plain = eit.get("weighted") or {}, eit.get("unweighted") or {}
    weighted_band, plain_band = eit.get("weighted_band") or {}, eit.get("unweighted_band") or {}
    return [
        office["office_code"],
        office["count"],
        office["flagged"] if office["flagged"] is not None else "",
        office["population"] if office["population"] is not None else "",
        office["weighting"],
        adequacy["required"],
        adequacy["binding"],
        adequacy["adequate"],
        adequacy["shortfall"],
        _round(office["effective_n"], 1),
        _round(office["design_effect"], 3),
        _round(office["margin_of_error"], 4),
        *(_round(weighted.get(k)) for k in ("mean", "low", "high")),
        weighted_band.get("code", ""),
        *(_round(plain.get(k)) for k in ("mean", "low", "high")),
        plain_band.get("code", ""),
        " | ".join(note["en"] for note in [*office["notes"], *office["merges"]]),
    ]


def _to_csv(payload: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for office in payload["offices"]:
        writer.writerow(_csv_row(office))
    return buffer.getvalue()


@click.command("score")
@cycle_option()
@click.option("--office", "offices", multiple=True, help="office code (repeatable; default: every office)")
@click.option("--exclude-flagged", is_flag=True, help="leave out responses with a data-quality flag")
@click.option(
    "--trim", "trim_upper", type=float, default=None, help="trim weights above this multiple of the mean"
)
@click.option(
    "--calibration",
    type=click.Choice(["poststratify", "rake"]),
    default="poststratify",
    show_default=True,
    help="weight to the frame's full table, or only to its type and service totals",
)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--released",
    is_flag=True,
    help="only what staff see: released responses, with groups under K hidden (default: every stored response)",
)
@with_appcontext
def score(
    cycle_code: str | None,
    offices: tuple[str, ...],
    exclude_flagged: bool,
    trim_upper: float | None,
    calibration: str,
    fmt: str,
    released: bool,
) -> None:
    """Weighted and unweighted scores, adequacy and the national roll-up of a cycle.

    Scores every stored response unless ``--released``, which gives exactly what the staff pages and API show.
    """
    if released and (trim_upper is not None or calibration != "poststratify"):
        fail(
            "--released gives what staff see, which uses the default weighting: leave out --trim and --calibration"
        )
        return
    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        try:
            k = int(current_app.config["SUPPRESS_BELOW"])
            labels = labels_of(cycle_questionnaire(cycle))
            if released:
                payload = shown.released_results(
                    session,
                    cycle,
                    list(offices) or None,
                    cycle_questionnaire(cycle),
                    k=k,
                    exclude_flagged=exclude_flagged,
                    today=local_today(),
                    labels=labels,
                )
                improvement.with_improvement(
                    payload, session, cycle, cycle_questionnaire(cycle), k, exclude_flagged
                )
            else:
                payload = results_service.cycle_results(
                    session,
                    cycle,
                    list(offices) or None,
                    exclude_flagged=exclude_flagged,
                    trim_upper=trim_upper,
                    calibration=calibration,
                    today=local_today(),
                    k=k,
                    unreleased=cycle_questionnaire(cycle),
                ).to_dict(labels)
                waiting = release.pending_total(session, cycle.id)
        except LookupError as exc:
            fail(str(exc))
            return
    if released:
        click.echo("released responses only, groups under K hidden: what staff see", err=True)
    else:
        click.echo(
            f"every stored response, including {waiting} not yet released to staff "
            "(--released gives what staff see)",
            err=True,
        )
    if fmt == "csv":
        click.echo(_to_csv(payload), nl=False)
    else:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))


@click.group("stats")
def stats_group() -> None:
    """The per-cell rollup the statistics read."""


@stats_group.command("rebuild")
@cycle_option()
@with_appcontext
def stats_rebuild(cycle_code: str | None) -> None:
    """Rescore the cycle's answers under the questionnaire's current score map and recompute its cell rollup from
    the released responses, in one transaction; then compute every office's new release snapshot (with a progress
    line), so no page request computes them."""
    with unit_of_work() as session:
        cycle = get_cycle(session, cycle_code)
        questionnaire = cycle_questionnaire(cycle)
        rescored = rollup.stale_scores(session, cycle.id, questionnaire)
        written = rollup.rebuild(session, cycle.id, questionnaire)
        snapshots.invalidate(session, cycle.id)  # a changed score map: every snapshot of the cycle is stale
        code = cycle.code
    click.echo(
        f"cycle {code}: {rescored} answer scores rewritten under the current score map, "
        f"{written} cells rebuilt from the released responses"
    )
    with unit_of_work() as session:
        renew_snapshots(session, get_cycle(session, code))


COMMANDS = (score, stats_group)
