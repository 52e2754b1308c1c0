"""Scoring benchmark: 1,000,000 synthetic responses in 76 offices, scored from SQLite and PostgreSQL, against
row-level raking by weightipy, balance and samplics. Writes the "Scoring" section of docs/benchmarks.md.

    .venv/bin/python bench/scoring.py [--responses 1000000] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

What is timed
    ours   the whole path from the database to results: the GROUP BY over ``cell_stat`` and the frame query,
           then per office collapsing, weighting, adequacy and every item, indicator and EIT score with
           intervals (``survey_app.services.results.scores.cycle_results``), for all 76 offices.
    peers  weighting alone: each library rakes every office's rows to that office's respondent type and
           service totals, from an already loaded data frame, in its own virtual environment (bench/.venvs/;
           balance needs NumPy < 2 on Python 3.11, samplics NumPy >= 2.1).

How the data reach the database
    The synthetic answers are generated row by row in NumPy (1,000,000 respondents, every sub-item answered),
    turned into per-respondent item, indicator and EIT values, and reduced to the ``cell_stat`` rollup in NumPy;
    the rollup and the population frames are then inserted. The rows of ``response`` and ``answer`` (about
    21 million answers) are not written: in production the rollup is maintained in the submission transaction,
    the scoring path never reads those tables, and writing them would make the run take far longer without
    changing what is measured. The benchmark checks the rollup against the rows it came from by comparing, for
    every office, the unweighted EIT from the database path with the mean of the rows.

Only loopback databases are used; the PostgreSQL database is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from survey_app import migrate  # noqa: E402
from survey_app.db import make_engine  # noqa: E402
from survey_app.models import CellStat, Cycle, PopulationFrame  # noqa: E402
from survey_app.questionnaire import Questionnaire, load  # noqa: E402
from survey_app.services.results.scores import cycle_results  # noqa: E402

PEERS = ("weightipy", "balance", "samplics")
# Each peer in a virtual environment of its own: balance needs NumPy < 2 on Python 3.11, samplics NumPy >= 2.1.
PEER_REQUIREMENTS = {
    "weightipy": ["weightipy==0.4.2"],
    "balance": ["balance==0.23.0", "numpy<2"],
    "samplics": ["samplics==0.6.1", "numpy>=2.1"],
}
VENVS = ROOT / "bench" / ".venvs"
TYPE_MIX = np.array([0.55, 0.40, 0.05])


@dataclass
class Synthetic:
    """Row-level synthetic responses and the population frames of their offices."""

    offices: list[str]
    types: tuple[str, ...]
    services: tuple[str, ...]
    measures: tuple[str, ...]
    office: np.ndarray
    rtype: np.ndarray
    service: np.ndarray
    flagged: np.ndarray
    values: np.ndarray
    frames: np.ndarray


def _levels(rng: np.random.Generator, quality: np.ndarray, options: int) -> np.ndarray:
    """One answer per respondent, better offices answering higher (as the demo data do)."""
    if options == 2:
        return (rng.random(quality.size) < np.minimum(0.99, quality + 0.12)).astype(np.int64)
    weights = np.stack(
        [(1 - quality) * 0.4, (1 - quality) * 1.2, np.full_like(quality, 0.9), quality * 1.6], 1
    )
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(quality.size)[:, None] > cumulative[:, :-1]).sum(axis=1)


def _values(rng: np.random.Generator, questionnaire: Questionnaire, quality: np.ndarray) -> np.ndarray:
    """Per-respondent values of every measure: items (mean of sub-items), indicators, EIT."""
    columns: dict[str, np.ndarray] = {}
    for item in questionnaire.items:
        scores = np.array([option.score for option in item.answer_type.options])
        subs = [scores[_levels(rng, quality, len(scores))] for _ in item.keys]
        columns[item.code] = np.mean(subs, axis=0)
    for indicator in questionnaire.indicators:
        columns[indicator.measure] = np.mean([columns[i.code] for i in indicator.items], axis=0)
    columns["EIT"] = np.mean([columns[f"IND{code}"] for code in questionnaire.eit_indicators], axis=0)
    return np.stack([columns[m] for m in questionnaire.measure_codes], axis=1)


def generate(questionnaire: Questionnaire, offices: list[str], total: int, seed: int = 2569) -> Synthetic:
    """Responses spread unevenly over offices, cells and quality levels; frames 4 to 20 times the sample."""
    rng = np.random.default_rng(seed)
    types, services = questionnaire.respondent_type.codes, questionnaire.service.codes
    share = rng.gamma(4.0, size=len(offices))
    office = np.sort(rng.choice(len(offices), size=total, p=share / share.sum()))
    service_mix = rng.dirichlet(np.full(len(services), 3.0), size=len(offices))
    cell_p = TYPE_MIX[None, :, None] * service_mix[:, None, :]
    cells = np.empty(total, dtype=np.int64)
    for o in range(len(offices)):
        rows = office == o
        cells[rows] = rng.choice(cell_p[o].size, size=int(rows.sum()), p=cell_p[o].ravel())
    rtype, service = np.divmod(cells, len(services))
    quality = rng.uniform(0.55, 0.95, len(offices))[office] + rng.normal(0, 0.04, len(services))[service]
    values = _values(rng, questionnaire, np.clip(quality - 0.05 * (rtype == 1), 0.3, 0.97))
    counts = np.bincount(office, minlength=len(offices))
    frame_p = cell_p * rng.uniform(0.5, 1.5, cell_p.shape)
    frame_p /= frame_p.sum(axis=(1, 2), keepdims=True)
    frames = np.round(frame_p * (counts * rng.uniform(4, 20, len(offices)))[:, None, None])
    flagged = rng.random(total) < 0.03
    measures = questionnaire.measure_codes
    return Synthetic(offices, types, services, measures, office, rtype, service, flagged, values, frames)


def rollup_rows(syn: Synthetic, cycle_id: int) -> list[dict[str, Any]]:
    """The ``cell_stat`` rows of the synthetic responses (count, sum, sum of squares, smallest and largest value
    per cell and measure)."""
    t, s = len(syn.types), len(syn.services)
    key = ((syn.office * t + syn.rtype) * s + syn.service) * 2 + syn.flagged
    size = len(syn.offices) * t * s * 2
    n = np.bincount(key, minlength=size)
    sums = [np.bincount(key, weights=syn.values[:, m], minlength=size) for m in range(len(syn.measures))]
    squares = [
        np.bincount(key, weights=syn.values[:, m] ** 2, minlength=size) for m in range(len(syn.measures))
    ]
    lows, highs = np.full((len(syn.measures), size), np.inf), np.full((len(syn.measures), size), -np.inf)
    for m in range(len(syn.measures)):
        np.minimum.at(lows[m], key, syn.values[:, m])
        np.maximum.at(highs[m], key, syn.values[:, m])
    rows = []
    for k in np.flatnonzero(n):
        rest, flag = divmod(int(k), 2)
        rest, sv = divmod(rest, s)
        o, ty = divmod(rest, t)
        base = {"cycle_id": cycle_id, "office_code": syn.offices[o], "respondent_type": syn.types[ty]}
        base |= {"service": syn.services[sv], "flagged": bool(flag), "n": int(n[k])}
        for m, measure in enumerate(syn.measures):
            rows.append(base | {
                "measure": measure, "total": float(sums[m][k]), "total_sq": float(squares[m][k]),
                "low": float(lows[m][k]), "high": float(highs[m][k]),
            })  # fmt: skip
    return rows


def prepare(url: str, syn: Synthetic, questionnaire: Questionnaire) -> str:
    """Migrate the database at ``url``, load offices, a cycle, the frames and the rollup; returns the cycle code."""
    migrate.upgrade(url)
    engine = make_engine(url)
    with sa.orm.Session(engine) as session, session.begin():
        cycle = common.seed(session, questionnaire)
        frames = [
            {"cycle_id": cycle.id, "office_code": code, "respondent_type": rtype, "service": service,
             "served": int(syn.frames[o, t, s])}
            for o, code in enumerate(syn.offices)
            for t, rtype in enumerate(syn.types)
            for s, service in enumerate(syn.services)
        ]  # fmt: skip
        session.execute(sa.insert(PopulationFrame), frames)
        session.execute(sa.insert(CellStat), rollup_rows(syn, cycle.id))
        code = cycle.code
    engine.dispose()
    return code


def time_ours(url: str, cycle_code: str, repeats: int, calibration: str) -> dict[str, Any]:
    """Seconds of ``cycle_results`` for every office, cold (first) and the median of ``repeats`` runs."""
    engine = make_engine(url)
    times, result = [], None
    for _ in range(repeats + 1):
        with sa.orm.Session(engine) as session:
            started = time.perf_counter()
            cycle = session.scalar(sa.select(Cycle).where(Cycle.code == cycle_code))
            assert cycle is not None
            result = cycle_results(session, cycle, calibration=calibration)
            times.append(time.perf_counter() - started)
    engine.dispose()
    return {"cold": times[0], "median": statistics.median(times[1:]), "result": result}


def check_against_rows(syn: Synthetic, result: Any) -> float:
    """Largest gap between an office's unweighted EIT from the database path and the mean of its rows."""
    eit = syn.values[:, syn.measures.index("EIT")]
    means = np.bincount(syn.office, weights=eit) / np.bincount(syn.office)
    by_code = {r.office_code: r.eit.unweighted.mean for r in result.offices if r.eit}
    return max(abs(by_code[code] - means[o]) for o, code in enumerate(syn.offices))


def write_peer_data(syn: Synthetic, folder: Path) -> tuple[Path, Path]:
    """The rows (office, type, service) as CSV and each office's type and service totals as JSON."""
    data = folder / "responses.csv"
    with data.open("w", encoding="utf-8") as handle:
        handle.write("office,respondent_type,service\n")
        codes, types, services = np.array(syn.offices), np.array(syn.types), np.array(syn.services)
        lines = np.char.add(np.char.add(np.char.add(codes[syn.office], ","), types[syn.rtype]), ",")
        handle.write("\n".join(np.char.add(lines, services[syn.service]).tolist()) + "\n")
    margins = {
        code: {
            "respondent_type": dict(zip(syn.types, syn.frames[o].sum(axis=1).tolist(), strict=True)),
            "service": dict(zip(syn.services, syn.frames[o].sum(axis=0).tolist(), strict=True)),
        }
        for o, code in enumerate(syn.offices)
    }
    path = folder / "margins.json"
    path.write_text(json.dumps(margins), encoding="utf-8")
    return data, path


def ensure_venv(name: str) -> Path:
    """The Python of ``name``'s virtual environment under bench/.venvs/, created and installed when missing."""
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        print(f"creating bench/.venvs/{name} (one time)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENVS / name)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEER_REQUIREMENTS[name]], check=True)
    return python


def run_peer(name: str, data: Path, margins: Path, timeout: int) -> dict[str, Any]:
    """Run bench/peers.py for ``name`` in its own virtual environment; the parsed JSON or an error."""
    try:
        python = ensure_venv(name)
    except subprocess.CalledProcessError as exc:
        return {"library": name, "error": f"could not install it: {exc}"}
    try:
        done = subprocess.run(
            [str(python), str(ROOT / "bench" / "peers.py"), name, str(data), str(margins)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"library": name, "error": f"did not finish within {timeout} s"}
    if done.returncode != 0:
        return {"library": name, "error": done.stderr.strip().splitlines()[-1:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def versions() -> dict[str, str]:
    """The libraries the numbers depend on."""
    import scipy

    return {
        "NumPy / SciPy / SQLAlchemy": f"{np.__version__} / {scipy.__version__} / {sa.__version__}",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
    }


def _row(label: str, what: str, seconds: float, extra: str) -> str:
    return f"| {label} | {what} | {seconds:.3f} | {extra} |"


def render(report: dict[str, Any]) -> str:
    """The "Scoring" section of docs/benchmarks.md."""
    lines = [
        "## Scoring",
        "",
        f"Generated by `bench/scoring.py` on {report['date']} ({report['responses']:,} synthetic responses in "
        f"{report['offices']} offices, {report['cells']:,} rows of `cell_stat`); run "
        "`.venv/bin/python bench/scoring.py` to refresh this section. Ours is the whole path from the database to "
        "results for every office (queries, collapsing, weights, adequacy, 19 measures weighted and unweighted with "
        "intervals and bands, national roll-up); each peer is timed on weighting alone: raking every office's rows "
        "to its respondent type and service totals from an already loaded data frame, with the library's default "
        "convergence settings. The synthetic rollup is written directly (see the script's docstring for why); the "
        "unweighted EIT read back from each database matches the mean of the generated rows to "
        f"{report['row_check']:.1e}.",
        "",
        "| path | what is timed | seconds (median) | notes |",
        "| --- | --- | ---: | --- |",
    ]
    for run in report["ours"]:
        lines.append(
            _row(
                f"ours, {run['database']}, {run['calibration']}",
                "database to all 76 office results",
                run["median"],
                f"first (cold) run {run['cold']:.3f} s; median of {report['repeats']}",
            )
        )
    for peer in report["peers"]:
        if "error" in peer:
            lines.append(f"| {peer['library']} | raking only | - | failed: {peer['error']} |")
            continue
        v = peer["versions"]
        note = f"{peer['library']} {v[peer['library']]}, NumPy {v['numpy']}, pandas {v['pandas']}; "
        lines.append(
            _row(
                peer["library"],
                "raking only, row level",
                peer["seconds"],
                note + f"worst margin gap {peer['max_margin_gap']:.1e}",
            )
        )
    lines += ["", *report["verdict"], "", *common.machine_table(report["machine"])]
    return "\n".join(lines) + "\n"


def verdict(ours: list[dict[str, Any]], peers: list[dict[str, Any]]) -> list[str]:
    """Ratios of the fastest peer's weighting time to each of our full paths, and whether the target holds."""
    timed = [p for p in peers if "seconds" in p]
    if not timed:
        return ["No peer finished, so there is no ratio to report."]
    fastest = min(timed, key=lambda p: p["seconds"])
    out = []
    for run in ours:
        ratio = fastest["seconds"] / run["median"]
        met = "meets" if ratio > 1 else "misses"
        out.append(
            f"- {run['database']}, {run['calibration']}: the fastest peer ({fastest['library']}, "
            f"{fastest['seconds']:.3f} s) takes {ratio:.1f} x as long to weight alone as our whole path; "
            f"{met} the target."
        )
    return out


def main() -> None:
    """Generate, load, time, compare and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--peer-timeout", type=int, default=180)
    parser.add_argument("--no-peers", action="store_true", help="time only our path (no peer libraries)")
    common.add_common_arguments(parser)
    args = parser.parse_args()
    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    offices = [
        ln.split(",", 1)[0] for ln in (ROOT / "surveys" / "offices.csv").read_text().splitlines()[1:] if ln
    ]
    started = time.perf_counter()
    syn = generate(questionnaire, offices, args.responses)
    print(f"generated {args.responses:,} responses in {time.perf_counter() - started:.1f} s", flush=True)
    ours, checks = [], []
    with common.scratch_databases(args, "bench-scoring") as (databases, _pg_version):
        for label, url in databases:
            code = prepare(url, syn, questionnaire)
            for calibration in ("poststratify", "rake"):
                run = time_ours(url, code, args.repeats, calibration)
                checks.append(check_against_rows(syn, run.pop("result")))
                ours.append({"database": label, "calibration": calibration, **run})
                print(f"ours {label} {calibration}: {run['median']:.3f} s", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-scoring-peers-") as folder:
        data, margins = write_peer_data(syn, Path(folder))
        peers = []
        for name in () if args.no_peers else PEERS:
            peers.append(run_peer(name, data, margins, args.peer_timeout))
            print(f"{name}: {peers[-1]}", flush=True)
    report = {
        "date": dt.date.today().isoformat(), "responses": args.responses, "offices": len(offices),
        "cells": len(rollup_rows(syn, 0)), "repeats": args.repeats, "row_check": max(checks), "ours": ours,
        "peers": peers, "verdict": verdict(ours, peers), "machine": common.machine(**versions()),
    }  # fmt: skip
    common.publish("## Scoring", render(report), args)


if __name__ == "__main__":
    main()
