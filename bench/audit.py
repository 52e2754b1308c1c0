"""Disclosure auditor benchmark: how long ``survey_app.stats.audit`` takes to vet what an office's staff see.
Writes the "Disclosure auditor" section of docs/benchmarks.md.

    .venv/bin/python bench/audit.py [--responses 2000] [--seed 20] [--no-doc]

Workloads (membership rows only: the auditor never sees values)
    office stream   ``--responses`` responses into one office, each of 3 respondent types × 8 services × 3
                    channels and dated to one of 12 months, released in batches of 5. After every release the
                    snapshot proposes the cumulative office total and the cumulative figure of every respondent
                    type, service and channel (15 figures); at each month's end it proposes that closed month's
                    total and its per-type and per-service figures. Every proposal goes through ``clear``, so the
                    auditor refuses the cumulative groups that moved by one response and keeps the rest. This is
                    the shape of what the product shows, without any suppression before the auditor.
    random groups   figures over random subsets (each response in a figure with probability 1/4): the echelon
                    form fills in, which is the worst case for the sparse rows; run at growing sizes to show how
                    the cost grows.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from survey_app.stats.audit import RowSpace, clear  # noqa: E402

HEADING = "## Disclosure auditor"
BATCH = 5


def office_stream(responses: int, rng: random.Random) -> list[list[list[int]]]:
    """The proposals of each snapshot, in order (see the module docstring)."""
    kinds = [(rng.randrange(3), rng.randrange(8), rng.randrange(3)) for _ in range(responses)]
    month_of = [i * 12 // responses for i in range(responses)]
    snapshots: list[list[list[int]]] = []
    for end in range(BATCH, responses + 1, BATCH):
        seen = range(end)
        figures = [list(seen)]
        for position, size in ((0, 3), (1, 8), (2, 3)):
            for value in range(size):
                figures.append([i for i in seen if kinds[i][position] == value])
        month = month_of[end - 1]
        if end == responses or month_of[end] != month:  # the month closes with this release
            days = [i for i in seen if month_of[i] == month]
            figures.append(days)
            for position, size in ((0, 3), (1, 8)):
                for value in range(size):
                    figures.append([i for i in days if kinds[i][position] == value])
        snapshots.append(figures)
    return snapshots


def timed(work: Callable[[], None]) -> float:
    """Seconds ``work`` takes."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run_stream(responses: int, seed: int) -> dict[str, float]:
    """Vet the office stream; figures, accepted, rank, determined and seconds (total and slowest snapshot)."""
    snapshots = office_stream(responses, random.Random(seed))
    space = RowSpace(responses)
    kept: list[frozenset[int]] = []
    slowest = 0.0
    start = time.perf_counter()
    for figures in snapshots:
        t0 = time.perf_counter()
        verdicts = clear(space, figures)
        slowest = max(slowest, time.perf_counter() - t0)
        kept.extend(frozenset(f) for f, ok in zip(figures, verdicts, strict=True) if ok)
    seconds = time.perf_counter() - start
    # A snapshot job that keeps memberships, not the space, rebuilds it from every distinct figure shown.
    distinct = list(dict.fromkeys(kept))
    rebuilt = RowSpace(responses)

    def rebuild() -> None:
        for members in distinct:
            rebuilt.add(members)

    rebuild_seconds = timed(rebuild)
    assert rebuilt.rank == space.rank and rebuilt.determined() == space.determined()
    return {
        "snapshots": len(snapshots),
        "figures": sum(len(f) for f in snapshots),
        "accepted": len(kept),
        "distinct": len(distinct),
        "rebuild": rebuild_seconds,
        "rank": space.rank,
        "determined": len(space.determined()),
        "seconds": seconds,
        "slowest": slowest,
    }


def run_random(responses: int, figures: int, seed: int) -> dict[str, float]:
    """Add ``figures`` random groups over ``responses`` columns one by one; rank and seconds."""
    rng = random.Random(seed)
    rows = [[i for i in range(responses) if rng.random() < 0.25] for _ in range(figures)]
    space = RowSpace(responses)

    def add_all() -> None:
        for row in rows:
            space.add(row)

    seconds = timed(add_all)
    return {"responses": responses, "figures": figures, "rank": space.rank, "seconds": seconds}


def render(stream: dict[str, float], randoms: list[dict[str, float]], responses: int, seed: int) -> str:
    """The doc section."""
    lines = [
        HEADING,
        "",
        f"`.venv/bin/python bench/audit.py --responses {responses} --seed {seed}` (pure Python, one core; exact "
        "integer arithmetic, sparse rows). The auditor (`survey_app/stats/audit.py`) checks that no combination of "
        "the figures staff have been shown pins down one response's value.",
        "",
        f"Office stream: {responses} responses released in batches of {BATCH}; after each release the cumulative "
        "total and every cumulative respondent type, service and channel figure (15), plus each closed month's "
        "total, types and services, all through `clear`.",
        "",
        "| snapshots | figures proposed | accepted (distinct) | rank | responses determined | total s "
        "| slowest snapshot ms | rebuild from the distinct accepted s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {stream['snapshots']:.0f} | {stream['figures']:.0f} | {stream['accepted']:.0f} "
        f"({stream['distinct']:.0f}) | {stream['rank']:.0f} | {stream['determined']:.0f} | {stream['seconds']:.2f} "
        f"| {stream['slowest'] * 1000:.1f} | {stream['rebuild']:.2f} |",
        "",
        "The echelon form of the stream stays sparse (rows of a few entries), which is why it is fast; *rebuild* "
        "is the cost of building the space again from the memberships of every distinct figure accepted, as a "
        "snapshot job that stores memberships rather than the space does once per office and release.",
        "",
        "Random groups (each response in each figure with probability 1/4: the echelon form fills in, the worst "
        "case for sparse rows):",
        "",
        "| responses | figures | rank | seconds |",
        "| ---: | ---: | ---: | ---: |",
        *(
            f"| {r['responses']:.0f} | {r['figures']:.0f} | {r['rank']:.0f} | {r['seconds']:.2f} |"
            for r in randoms
        ),
        "",
        *common.machine_table(common.machine()),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the workloads and publish the section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--random-sizes", default="100,200,300", help="column counts of the random workload")
    parser.add_argument("--no-doc", action="store_true", help="print the section instead of writing the doc")
    args = parser.parse_args()
    stream = run_stream(args.responses, args.seed)
    print(stream, flush=True)
    randoms = []
    for size in (int(s) for s in args.random_sizes.split(",")):
        randoms.append(run_random(size, size * 3 // 2, args.seed))
        print(randoms[-1], flush=True)
    common.publish(HEADING, render(stream, randoms, args.responses, args.seed), args)


if __name__ == "__main__":
    main()
