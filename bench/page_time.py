"""One staff page timed in-process, many requests, as a gunicorn worker serves it: the median, first quartile and
least of the wall time and the median CPU time per request, after three requests that are not counted and with the
loaded objects frozen out of the collector (``gunicorn_conf.pre_fork``). On a shared machine whose speed drifts,
two checkouts are compared by running this alternately, several times each, on copies of one database.

    SURVEY_DATABASE_URL=URL .venv/bin/python bench/page_time.py [--page /staff/offices/50] [--requests 60]
                                                                 [--sql] [--profile N]

``--sql`` lists the statements of the last request with their times; ``--profile N`` prints cProfile's N costliest
functions by cumulative time. Run it from a checkout's root (``git archive REV | tar -x -C DIR`` gives an older one;
its own ``survey_app`` is imported first). The database is one ``bench/scale.py`` filled.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import common  # noqa: E402


def _listen_statements(found: list[tuple[float, str]]) -> None:
    """Record (milliseconds, statement) of every statement any engine runs into ``found``."""

    def before(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
        context.bench_started = time.perf_counter()

    def after(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        found.append(((time.perf_counter() - context.bench_started) * 1000, " ".join(statement.split())))

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--page", default="/staff/offices/50")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    _app, client = common.signed_in_admin()
    for _ in range(3):
        if client.get(args.page).status_code != 200:
            raise SystemExit(f"{args.page}: not 200")
    gc.collect()
    gc.freeze()
    statements: list[tuple[float, str]] = []
    if args.sql:
        _listen_statements(statements)
    profile = cProfile.Profile() if args.profile else None
    wall, cpu = [], []
    for _ in range(args.requests):
        statements.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        response = client.get(args.page)
        if profile:
            profile.disable()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    quartile = statistics.quantiles(wall, n=4)[0]
    print(
        f"{args.page}: median {statistics.median(wall):.1f} ms, first quartile {quartile:.1f}, least "
        f"{min(wall):.1f}; CPU median {statistics.median(cpu):.1f} ms; {len(response.data):,} bytes"
    )
    for ms, statement in statements:
        print(f"{ms:7.2f} ms  {statement[:140]}")
    if statements:
        print(f"{sum(ms for ms, _s in statements):7.2f} ms  in {len(statements)} statements")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
