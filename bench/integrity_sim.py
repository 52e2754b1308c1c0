"""Integrity signals on simulated offices: false alarms on honest data, power on planted stuffing and steering.

Usage: python -m bench.integrity_sim [--replicates 200] [--seed 14] [--time-db] [--no-doc]

Each replicate draws 76 honest offices over six months (1 April to 30 September 2026): counter traffic on working
days at an office's own rate (a tenth of it at weekends) with a slow seasonal swing, a share answering by emailed
invitation, and answers from a latent satisfaction per respondent (items correlated, as real answers are;
businesses on email a little more critical). Then, in the planted runs, two offices cheat:

* **stuffer**: one person sends 30 poster responses over one week, answering mostly "very much" (and varying one
  answer, so the same-answer flag does not catch it), never too fast and never more than 10 a day;
* **steerer**: a counter clerk turns 20 % of the office's poster answers into the top answer everywhere.

The responses are aggregated exactly as ``survey_app.services.integrity.assessment`` aggregates the database, and
``survey_app.stats.integrity.assess`` ranks the offices. ``tests/integration/test_integrity_page.py`` loads one
replicate into SQLite and PostgreSQL and checks the page ranks the planted offices first.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm

from survey_app.questionnaire import Questionnaire, load
from survey_app.stats import integrity

ROOT = Path(__file__).resolve().parent.parent
FIRST, LAST = dt.date(2026, 4, 1), dt.date(2026, 9, 30)
OFFICES = 76
STUFFED, STEERED = 30, 0.20
HEADING = "## Integrity signals (simulation)"


@dataclass(frozen=True)
class Layout:
    """The questionnaire as arrays: one column per (item, sub) answer."""

    keys: tuple[tuple[str, int], ...]
    scores: tuple[tuple[float, ...], ...]  # score of each raw value, per column
    kind: tuple[str, ...]  # "level4", "yesno" or "ever_never"
    straight: np.ndarray  # columns that take part in the same-answer flag
    item_of: tuple[str, ...]
    indicator_of: dict[str, str]
    eit_indicators: tuple[str, ...]

    @classmethod
    def of(cls, q: Questionnaire) -> Layout:
        keys = tuple(key for item in q.items for key in item.keys)
        items = {item.code: item for item in q.items}
        return cls(
            keys=keys,
            scores=tuple(tuple(o.score for o in items[i].answer_type.options) for i, _ in keys),
            kind=tuple(items[i].answer_type.code for i, _ in keys),
            straight=np.array([items[i].answer_type.straight_line for i, _ in keys]),
            item_of=tuple(i for i, _ in keys),
            indicator_of={item.code: item.indicator for item in q.items},
            eit_indicators=tuple(q.eit_indicators),
        )

    def eit(self, values: np.ndarray) -> np.ndarray:
        """Per-row EIT: sub-items averaged into items, items into indicators, indicators into the EIT."""
        score = np.column_stack([np.asarray(self.scores[c])[values[:, c]] for c in range(len(self.keys))])
        items: dict[str, list[int]] = {}
        for c, item in enumerate(self.item_of):
            items.setdefault(item, []).append(c)
        per_item = {item: score[:, cols].mean(axis=1) for item, cols in items.items()}
        indicators = [
            np.mean([v for item, v in per_item.items() if self.indicator_of[item] == ind], axis=0)
            for ind in self.eit_indicators
        ]
        return np.asarray(np.mean(indicators, axis=0))

    def top(self) -> np.ndarray:
        return np.array([len(s) - 1 for s in self.scores])


@dataclass
class Responses:
    """One office's simulated responses: day index from ``FIRST``, channel, raw values, too-fast flag."""

    day: np.ndarray
    email: np.ndarray
    values: np.ndarray
    too_fast: np.ndarray

    def extend(self, other: Responses) -> Responses:
        return Responses(
            *(np.concatenate([a, b]) for a, b in zip(self.astuple(), other.astuple(), strict=True))
        )

    def astuple(self) -> tuple[np.ndarray, ...]:
        return self.day, self.email, self.values, self.too_fast


def _answers(rng: np.random.Generator, layout: Layout, theta: np.ndarray) -> np.ndarray:
    """Raw values from each respondent's latent satisfaction ``theta``."""
    n = len(theta)
    columns = []
    for kind in layout.kind:
        if kind == "level4":
            latent = theta + rng.normal(0.0, 0.8, n)
            columns.append(np.searchsorted([-1.5, -0.5, 0.6], latent))
        elif kind == "yesno":
            columns.append((rng.random(n) < 1 / (1 + np.exp(-(theta + 1.0)))).astype(int))
        else:  # asked for money or gifts: rare
            columns.append((rng.random(n) < 0.96).astype(int))
    return np.column_stack(columns)


def honest_office(
    rng: np.random.Generator, layout: Layout, rate: float | None = None, scale: float = 1.0
) -> Responses:
    """Six months of one honest office (``rate``: responses per working day, drawn when None, times ``scale``)."""
    span = (LAST - FIRST).days + 1
    rate = scale * rng.lognormal(np.log(1.2), 0.5) if rate is None else rate
    phase = rng.uniform(0, 2 * np.pi)
    days = [FIRST + dt.timedelta(days=i) for i in range(span)]
    expected = np.array(
        [
            rate * (0.1 if d.weekday() >= 5 else 1.0) * (1 + 0.3 * np.sin(2 * np.pi * i / 365 + phase))
            for i, d in enumerate(days)
        ]
    )
    counts = rng.poisson(expected)
    day = np.repeat(np.arange(span), counts)
    n = len(day)
    email = rng.random(n) < rng.uniform(0.2, 0.5)
    theta = rng.normal(0.8 + rng.normal(0, 0.3), 1.0, n) - 0.2 * email
    return Responses(day, email, _answers(rng, layout, theta), rng.random(n) < 0.03)


def stuffing(rng: np.random.Generator, layout: Layout) -> Responses:
    """One person: 30 poster responses over one week, mostly top answers but never all the same."""
    start = int(rng.integers(30, (LAST - FIRST).days - 7))
    day = start + np.sort(rng.integers(0, 7, STUFFED))
    while np.bincount(day).max() > 10:  # stays under the burst limit
        day = start + np.sort(rng.integers(0, 7, STUFFED))
    top = layout.top()
    values = np.where(rng.random((STUFFED, len(top))) < 0.85, top, np.maximum(top - 1, 0))
    level4 = np.flatnonzero(layout.straight)
    for row in values:
        if len(set(row[level4])) == 1:
            row[rng.choice(level4)] = top[level4[0]] - 1
    return Responses(day, np.zeros(STUFFED, bool), values, np.zeros(STUFFED, bool))


def steer(
    rng: np.random.Generator, layout: Layout, office: Responses, fraction: float = STEERED
) -> Responses:
    """A counter clerk: ``fraction`` (20 %) of the poster answers become the top answer everywhere."""
    values = office.values.copy()
    poster = np.flatnonzero(~office.email)
    chosen = rng.choice(poster, size=round(fraction * len(poster)), replace=False)
    values[chosen] = layout.top()
    return Responses(office.day, office.email, values, office.too_fast)


def aggregate(layout: Layout, code: str, r: Responses) -> integrity.OfficeAggregates:
    """The office's aggregates, computed here with NumPy the way the service computes them with SQL."""
    eit = layout.eit(r.values)
    level4 = r.values[:, layout.straight]
    straight = (level4 == level4[:, :1]).all(axis=1)
    flagged = straight | r.too_fast

    def moments(mask: np.ndarray) -> integrity.Moments:
        v = eit[mask]
        return integrity.Moments(int(mask.sum()), float(v.sum()), float((v * v).sum()))

    n_day = np.bincount(r.day)
    sum_day, sq_day = np.bincount(r.day, weights=eit), np.bincount(r.day, weights=eit * eit)
    daily = {
        FIRST + dt.timedelta(days=int(d)): integrity.Moments(
            int(n_day[d]), float(sum_day[d]), float(sq_day[d])
        )
        for d in np.flatnonzero(n_day)
    }
    top = (r.values == layout.top()).all(axis=1)
    _, counts = np.unique(r.values[~straight], axis=0, return_counts=True)
    return integrity.OfficeAggregates(
        office=code,
        daily=daily,
        poster=moments(~r.email),
        email=moments(r.email),
        flagged=moments(flagged),
        all_highest=int(top.sum()),
        duplicated=int(counts[counts > 1].sum()),
        poster_all_highest=int((top & ~r.email).sum()),
    )


def replicate(
    rng: np.random.Generator,
    layout: Layout,
    codes: Sequence[str],
    planted: bool,
    busy: float | None = None,
    scale: float = 1.0,
    steered: float = STEERED,
) -> tuple[dict[str, Responses], list[integrity.OfficeAssessment]]:
    """One draw of every office (the first two cheat when ``planted``; the steerer serves ``busy`` responses per
    working day when given and steers ``steered`` of them; honest rates times ``scale``) and its assessment."""
    offices = {code: honest_office(rng, layout, scale=scale) for code in codes}
    if planted:
        offices[codes[0]] = offices[codes[0]].extend(stuffing(rng, layout))
        clerk = honest_office(rng, layout, busy) if busy else offices[codes[1]]
        offices[codes[1]] = steer(rng, layout, clerk, steered)
    aggregates = [aggregate(layout, code, r) for code, r in offices.items()]
    return offices, integrity.assess(aggregates, FIRST, LAST)


def office_codes() -> list[str]:
    """The 76 office codes of surveys/offices.csv."""
    lines = (ROOT / "surveys" / "offices.csv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split(",")[0] for line in lines if line.strip()][:OFFICES]


KINDS = ("day_spike", "channel_gap", "poster_top", "all_highest", "flagged", "duplicated", "score_jump")


@dataclass
class Tally:
    """Counts over replicates."""

    runs: int = 0
    any_alarm: int = 0
    false_alarms: int = 0
    honest_offices: int = 0
    raw_below: dict[str, int] | None = None
    tested: dict[str, int] | None = None
    caught: dict[str, int] | None = None
    caught_by: dict[str, dict[str, int]] | None = None
    ranked_first: int = 0

    def __post_init__(self) -> None:
        self.raw_below = dict.fromkeys(KINDS, 0)
        self.tested = dict.fromkeys(KINDS, 0)
        self.caught = {"stuffer": 0, "steerer": 0}
        self.caught_by = {"stuffer": dict.fromkeys(KINDS, 0), "steerer": dict.fromkeys(KINDS, 0)}


BUSY = 3.0  # responses per working day of the busy steerer: about 400 in six months


def run(replicates: int, seed: int) -> tuple[Tally, Tally, Tally, float]:
    """``replicates`` honest runs and as many planted ones (steerer at a typical office, and at a busy one)."""
    layout = Layout.of(load(ROOT / "surveys" / "eit-2568.yaml"))
    codes = office_codes()
    rng = np.random.default_rng(seed)
    honest, planted, busy = Tally(), Tally(), Tally()
    started = time.perf_counter()
    for tally, plant, rate in ((honest, False, None), (planted, True, None), (busy, True, BUSY)):
        for _ in range(replicates):
            _, ranked = replicate(rng, layout, codes, plant, rate)
            _count(tally, ranked, codes[:2] if plant else [])
    return honest, planted, busy, time.perf_counter() - started


def _count(tally: Tally, ranked: list[integrity.OfficeAssessment], cheats: list[str]) -> None:
    assert tally.raw_below is not None and tally.tested is not None
    assert tally.caught is not None and tally.caught_by is not None
    tally.runs += 1
    honest_alarms = [a for a in ranked if a.alarm and a.office not in cheats]
    tally.any_alarm += bool(honest_alarms)
    tally.false_alarms += len(honest_alarms)
    for a in ranked:
        if a.office in cheats:
            continue
        tally.honest_offices += 1
        for s in a.signals:
            if s.p is not None:
                tally.tested[s.kind] += 1
                tally.raw_below[s.kind] += s.p < integrity.ALPHA
    if cheats:
        by_code = {a.office: a for a in ranked}
        for role, code in zip(("stuffer", "steerer"), cheats, strict=True):
            found = by_code[code]
            tally.caught[role] += found.alarm
            for kind, q in found.q_by_kind.items():
                tally.caught_by[role][kind] += q < integrity.ALPHA
        tally.ranked_first += {a.office for a in ranked[:2]} == set(cheats)


def report(honest: Tally, planted: Tally, busy: Tally, seconds: float, replicates: int, seed: int) -> str:
    """The Markdown section for docs/benchmarks.md."""
    assert honest.raw_below is not None and honest.tested is not None
    assert planted.caught is not None and planted.caught_by is not None
    assert busy.caught is not None and busy.caught_by is not None
    pct = lambda k, n: f"{100 * k / n:.1f} %" if n else "–"  # noqa: E731
    lines = [
        HEADING,
        "",
        f"`python -m bench.integrity_sim --replicates {replicates} --seed {seed}` ({seconds:.0f} s). "
        f"{replicates} replicates of 76 honest offices, {replicates} with two planted offices "
        f"(a stuffer: {STUFFED} poster responses in one week; a steerer: {STEERED:.0%} of poster answers turned "
        f"to the top) and {replicates} more with the steerer at a busy office ({BUSY:g} responses a working day, about "
        "400 in six months). Six months per office, about 160 responses each (30 to 500). An office is named "
        "when its combined p-value, adjusted across the 76 offices (Benjamini–Hochberg), is below 0.05.",
        "",
        "| on honest data | result | nominal |",
        "| --- | ---: | ---: |",
        f"| replicates in which any honest office was named (family-wise false-alarm rate) | "
        f"{pct(honest.any_alarm, honest.runs)} | ≤ 5 % |",
        f"| honest offices named, per office | {pct(honest.false_alarms, honest.honest_offices)} | |",
        f"| honest offices named in the planted runs, per office | "
        f"{pct(planted.false_alarms, planted.honest_offices)} | |",
        "",
        "| signal | honest offices tested | unadjusted p < 0.05 on honest data |",
        "| --- | ---: | ---: |",
        *(
            f"| {kind} | {pct(honest.tested[kind], honest.honest_offices)} | "
            f"{pct(honest.raw_below[kind], honest.tested[kind])} |"
            for kind in KINDS
        ),
        "",
        "| planted office | named (power) | " + " | ".join(f"by {k}" for k in KINDS) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in KINDS) + " |",
        *(
            f"| {role} | {pct(planted.caught[role], planted.runs)} | "
            + " | ".join(pct(planted.caught_by[role][k], planted.runs) for k in KINDS)
            + " |"
            for role in ("stuffer", "steerer")
        ),
        f"| steerer at a busy office | {pct(busy.caught['steerer'], busy.runs)} | "
        + " | ".join(pct(busy.caught_by["steerer"][k], busy.runs) for k in KINDS)
        + " |",
        "",
        f"Both planted offices ranked first and second: {pct(planted.ranked_first, planted.runs)} of the planted "
        f"replicates, {pct(busy.ranked_first, busy.runs)} with the busy steerer. "
        '"by signal" counts the replicates in which that signal alone, adjusted across offices, was below 0.05.',
    ]
    return "\n".join(lines) + "\n"


def insert_responses(
    session: Any, cycle_id: int, questionnaire: Questionnaire, offices: dict[str, Responses]
) -> int:
    """Insert simulated responses and their answers as the survey stores them (no rollup); returns how many."""
    from survey_app.models import Answer, Response

    layout = Layout.of(questionnaire)
    responses, answers = [], []
    for code, r in offices.items():
        for day, email, values, too_fast in zip(r.day, r.email, r.values, r.too_fast, strict=True):
            rid = str(uuid.uuid4())
            raw = {key: int(v) for key, v in zip(layout.keys, values, strict=True)}
            responses.append({
                "id": rid, "cycle_id": cycle_id, "office_code": code, "channel": "email" if email else "poster",
                "respondent_type": "business" if email else "individual", "service": "factory_licensing",
                "questionnaire_version": questionnaire.version, "too_fast": bool(too_fast),
                "straight_lined": questionnaire.is_straight_lined(raw), "burst": False, "is_demo": False,
                "suggestion": None, "submitted_on": FIRST + dt.timedelta(days=int(day)),
            })  # fmt: skip
            answers.extend(
                {"response_id": rid, "item": item, "sub": sub, "value": v,
                 "score": questionnaire.item(item).answer_type.score(v)}
                for (item, sub), v in raw.items()
            )  # fmt: skip
    session.execute(sa.insert(Response), responses)
    session.execute(sa.insert(Answer), answers)
    return len(responses)


def time_page(seed: int, repeats: int = 3) -> str:
    """Seconds the integrity page's computation takes on SQLite for one planted replicate at the full pace."""
    from survey_app import migrate
    from survey_app.db import make_engine
    from survey_app.models import Cycle
    from survey_app.services.cycles.seeding import load_offices
    from survey_app.services.integrity import assessment as service

    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    layout = Layout.of(questionnaire)
    offices, _ = replicate(np.random.default_rng(seed), layout, office_codes(), True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/integrity.db"
        migrate.upgrade(url)
        engine = make_engine(url)
        with sa.orm.Session(engine) as session:
            load_offices(session, ROOT / "surveys" / "offices.csv")
            cycle = Cycle(
                code="sim", fiscal_year=2569, questionnaire_id=questionnaire.id,
                questionnaire_version=questionnaire.version, opens_on=FIRST, closes_on=LAST, state="closed",
            )  # fmt: skip
            session.add(cycle)
            session.flush()
            n = insert_responses(session, cycle.id, questionnaire, offices)
            session.commit()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                service.assess(session, questionnaire, cycle, LAST)
                times.append(time.perf_counter() - started)
        engine.dispose()
    return (
        f"Computing the page from the database (`services.integrity.assessment.assess`, SQLite, {n:,} responses "
        f"of 76 offices, "
        f"{n * len(layout.keys):,} answers): median {statistics.median(times):.2f} s of {repeats} runs."
    )


def independence_check(replicates: int, seed: int) -> str:
    """How often honest offices' identical answer pairs exceed what independent items would give (p < 0.05)."""
    layout = Layout.of(load(ROOT / "surveys" / "eit-2568.yaml"))
    rng = np.random.default_rng(seed + 1)
    below = tested = 0
    ratios = []
    for _ in range(replicates):
        for _code in office_codes():
            r = honest_office(rng, layout)
            straight = np.array([len(set(row[layout.straight])) == 1 for row in r.values], dtype=bool)
            values = r.values[~straight]
            _, counts = np.unique(values, axis=0, return_counts=True)
            marginals = [
                np.bincount(values[:, k], minlength=len(layout.scores[k])).tolist()
                for k in range(values.shape[1])
            ]
            signal = integrity.pairs_vs_independence(counts.tolist(), marginals)
            if signal.p is None:
                continue
            tested += 1
            below += signal.p < integrity.ALPHA
            if signal.figures["expected"]:
                ratios.append(float(signal.figures["pairs"]) / float(signal.figures["expected"]))
    return (
        f"Identical answer pairs against independence of items, on honest offices only: p < 0.05 for "
        f"{100 * below / max(1, tested):.0f} % of {tested} offices (median ratio of observed to expected pairs "
        f"{float(np.median(ratios)):.0f}). Honest answers are correlated, so this test is shown here and not used to "
        "rank offices; identical patterns are compared with the other offices instead."
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-doc", action="store_true", help="print the section instead of writing the doc")
    parser.add_argument("--time-db", action="store_true", help="also time the page's computation on SQLite")
    args = parser.parse_args()
    honest, planted, busy, seconds = run(args.replicates, args.seed)
    section = report(honest, planted, busy, seconds, args.replicates, args.seed)
    section += "\n" + independence_check(max(1, args.replicates // 10), args.seed) + "\n"
    if args.time_db:
        section = section.replace(f"--seed {args.seed}`", f"--seed {args.seed} --time-db`")
        section += "\n" + time_page(args.seed) + "\n"
    import scipy

    from bench import common

    section += "\n" + "\n".join(common.machine_table(common.machine(SciPy=scipy.__version__))) + "\n"
    if args.no_doc:
        print(section)
    else:
        from bench.common import update_doc

        update_doc(HEADING, section)
        print(section)


if __name__ == "__main__":
    main()
