"""Intake benchmark: the survey form and complete submissions over HTTP, against bare-Flask ceilings, in one run.
Writes the "Intake under load" section of docs/benchmarks.md.

    .venv/bin/python bench/intake.py [--duration 10] [--rounds 3] [--connections 32] [--pg-url ...] [--skip-sqlite]
        [--skip-postgres] [--no-doc]

For each database (SQLite in a scratch file, then PostgreSQL in a scratch database), in this order:

1. gunicorn serves ``bench/ceiling_app.py`` with the product's settings (``-c python:survey_app.gunicorn_conf``):
   ``/bare`` returns a string as long as the survey page, ``/query`` reads one row with SQLAlchemy Core first,
   ``/submit`` is the least a complete submission costs in Flask (the same script as (b) below drives it);
2. at the same time, a second gunicorn serves the product (``wsgi:app``) with the same settings, a poster link and
   an open cycle: (a) ``GET /s/<token>`` as new visitors; (b) complete submissions: GET the form, POST every answer
   with the page's CSRF token and nonce, follow the 303 to the thank-you page (``bench/wrk/submit.lua``);
3. the five lines take turns for ``--rounds`` rounds; each line reports its median round, each share the median of
   the rounds' shares;
4. the ``response`` rows stored are counted and compared with the 303s the server's access log holds.

The load generator is ``wrk`` (Debian's package; C, event loop, little CPU) with the Lua scripts in ``bench/wrk/``,
on loopback. GET runs use ``-t2 -c<connections>``; submissions ``-t<connections> -c<connections>`` (one connection
per thread, so each Lua state walks one respondent through the three requests in order). Latency percentiles of a
submission run cover all three requests of each respondent. The submit rate limit is lifted for the run (every
request comes from 127.0.0.1) and its counters are kept in Redis (``--redis-url``), as the README asks for several
workers; everything else is the production configuration, access log included.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    add_common_arguments,
    create_pg_database,
    drop_pg_database,
    machine,
    machine_table,
    update_doc,
)
from survey_app import migrate  # noqa: E402
from survey_app.clock import local_today  # noqa: E402
from survey_app.db import make_engine  # noqa: E402
from survey_app.models import SurveyLink  # noqa: E402
from survey_app.questionnaire import load  # noqa: E402
from survey_app.services.cycles.seeding import ensure_open_cycle, load_offices  # noqa: E402

HEADING = "## Intake under load"
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SECRET, LINK_KEY = "bench-intake-secret", "bench-intake-link-key"


def prepare(url: str) -> int:
    """Migrate, load the offices, open a cycle and add one citizen poster link; its id."""
    migrate.upgrade(url)
    engine = make_engine(url)
    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    with sa.orm.Session(engine) as session, session.begin():
        load_offices(session, ROOT / "surveys" / "offices.csv")
        cycle, _ = ensure_open_cycle(session, local_today(), questionnaire)
        link = SurveyLink(cycle_id=cycle.id, office_code="50", audience="citizen", version=1, active=True)
        session.add(link)
        session.flush()
        link_id = link.id
    engine.dispose()
    return link_id


def stored_responses(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(sa.text("SELECT count(*) FROM response")).scalar_one())
    engine.dispose()
    return count


class Server:
    """gunicorn with the committed settings (``survey_app.gunicorn_conf``) on 127.0.0.1:``port``."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path, cwd: Path = ROOT) -> None:
        self.port, self.log, self.cwd = port, log, cwd
        self.env = {**os.environ, "SURVEY_BIND": f"127.0.0.1:{port}", **env}
        self.app = app
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        out = self.log.open("ab")
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", "python:survey_app.gunicorn_conf", self.app],
            cwd=self.cwd,
            env=self.env,
            stdout=out,
            stderr=out,
        )
        deadline = time.monotonic() + 120  # five workers importing the app on a busy machine
        while not _answers(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.__exit__()
                raise RuntimeError(
                    f"gunicorn did not start on port {self.port} (exit {self.proc.poll()}); see {self.log}"
                )
            time.sleep(0.3)
        time.sleep(1.0)  # let every worker finish booting
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)  # graceful_timeout is 30 s
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by gunicorn's master ``pid`` and its workers, live or reaped."""
    tick = os.sysconf("SC_CLK_TCK")

    def fields(p: int) -> list[str]:
        text = Path(f"/proc/{p}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 of stat is index 0 here

    total = sum(int(v) for v in fields(pid)[11:15])  # utime, stime, cutime, cstime (reaped workers)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                f = fields(int(entry.name))
            except (OSError, ValueError):
                continue
            if int(f[1]) == pid:
                total += int(f[11]) + int(f[12])
    return total / tick


def _answers(port: int) -> bool:
    """Whether something answers HTTP on 127.0.0.1:``port`` (any status)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/nothing")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def wrk(
    url: str, script: str, threads: int, connections: int, duration: int, server: Server
) -> dict[str, Any]:
    """Run wrk with ``bench/wrk/<script>`` and return the JSON line its ``done()`` prints, with the CPU time the
    server's processes used meanwhile (a measure that other load on the machine does not shrink)."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", f"bench/wrk/{script}", url]
    assert server.proc is not None
    cpu_before = cpu_seconds(server.proc.pid)
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    cpu = cpu_seconds(server.proc.pid) - cpu_before
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH-JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH-JSON "))
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds
    result["cpu_ms"] = cpu * 1000 / max(1, result["requests"])
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_")) + result.get(
        "unexpected", 0
    )
    if "completed" in result:
        result["submissions_per_s"] = result["completed"] / seconds
    result["load"] = os.getloadavg()[0]
    return result


def warm(url: str, seconds: int = 3) -> None:
    """A short run so every worker has its connections open and its templates compiled."""
    subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", url], cwd=ROOT, capture_output=True, check=True)


def page_bytes(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - loopback
        return len(reply.read())


def run(label: str, url: str, args: argparse.Namespace, log: Path) -> dict[str, Any]:
    """Ceilings, then the form and complete submissions, on one database."""
    from survey_app.tokens import poster_token

    link_id = prepare(url)
    app_env = {
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_LINK_KEYS": LINK_KEY,
        "SURVEY_SUBMIT_RATE_LIMIT": "1000000 per minute",
        "SURVEY_MIN_SECONDS": "0",
        "SURVEY_RATELIMIT_STORAGE_URI": args.redis_url,
    }
    with tempfile.TemporaryDirectory() as instance:
        from flask import Flask

        signer = Flask(__name__, instance_path=instance)
        signer.config.update(SECRET_KEY=SECRET, LINK_KEYS=[LINK_KEY])
        with signer.app_context():
            path = "/s/" + poster_token(link_id, 1)
    port_app, port_ceiling = args.port, args.port + 1
    result: dict[str, Any] = {"database": label}
    with Server("wsgi:app", port_app, app_env, log / "size.log"):
        size = page_bytes(f"http://127.0.0.1:{port_app}{path}")
    result["page_bytes"] = size
    ceiling_env = {"BENCH_DATABASE_URL": url, "BENCH_PAGE_BYTES": str(size)}
    before = stored_responses(url)
    access = log / f"{label}-app.log"
    # Both servers run at once and the lines take turns, round after round, so that each share compares
    # measurements minutes apart at most, whatever else the machine is doing.
    with (
        Server("bench.ceiling_app:app", port_ceiling, ceiling_env, log / "ceilings.log") as ceiling,
        Server("wsgi:app", port_app, app_env, access) as app,
    ):
        lines = {
            "bare": (ceiling, f"http://127.0.0.1:{port_ceiling}/bare", "get.lua"),
            "query": (ceiling, f"http://127.0.0.1:{port_ceiling}/query", "get.lua"),
            "bare_submit": (ceiling, f"http://127.0.0.1:{port_ceiling}/submit", "submit.lua"),
            "form": (app, f"http://127.0.0.1:{port_app}{path}", "get.lua"),
            "submit": (app, f"http://127.0.0.1:{port_app}{path}", "submit.lua"),
        }
        for _server, target, script in lines.values():
            if script == "get.lua":
                warm(target)
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in lines}
        for _ in range(args.rounds):
            for name, (server, target, script) in lines.items():
                threads = args.connections if script == "submit.lua" else 2
                rounds[name].append(wrk(target, script, threads, args.connections, args.duration, server))
    for name, measured in rounds.items():
        result[name] = _median_run(measured)
    result["form_shares"] = [
        f["rps"] / q["rps"] for f, q in zip(rounds["form"], rounds["query"], strict=True)
    ]
    result["submit_shares"] = [
        s["submissions_per_s"] / b["submissions_per_s"]
        for s, b in zip(rounds["submit"], rounds["bare_submit"], strict=True)
    ]
    result["acknowledged"] = sum(r["acknowledged"] for r in rounds["submit"])
    result["stored"] = stored_responses(url) - before
    # When wrk stops, the POSTs in flight still complete on the server, but their 303 reaches no client: so the
    # server's own count of 303s (its access log) is what must equal the stored rows.
    result["answered_303"] = access.read_text(encoding="utf-8").count('"POST /s/[token]" 303 ')
    return result


def _median_run(measured: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate of a line's rounds (submissions/s for submissions), with every round's rate."""
    key = "submissions_per_s" if "submissions_per_s" in measured[0] else "rps"
    ordered = sorted(measured, key=lambda r: r[key])
    return {**ordered[(len(ordered) - 1) // 2], "rates": [r[key] for r in measured]}


def _shares(values: list[float]) -> str:
    return ", ".join(f"{v:.0%}" for v in values)


def _rates(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def _ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def render(report: dict[str, Any]) -> str:
    """The "Intake under load" section."""
    lines = [
        HEADING,
        "",
        f"Generated by `{report['command']}` on {report['date']}. gunicorn with the committed settings "
        f"(`-c python:survey_app.gunicorn_conf`: {report['workers']} workers × {report['threads']} threads, access "
        "log on) on 127.0.0.1; load from `wrk` with the Lua scripts in `bench/wrk/`, "
        f"{report['duration']} s per line, {report['connections']} connections; rate-limit counters in Redis. The "
        "ceilings are `bench/ceiling_app.py`, served the same way at the same time, returning a string as long as the "
        "survey page (`/bare`), after reading one row with SQLAlchemy Core (`/query`). The lines take turns, "
        f"{report['rounds']} rounds of each; the table shows each line's median round, and each share is the median of "
        "the rounds' shares (every round's share is listed below it). A complete submission is GET of the "
        "form, POST of every answer with its CSRF token and nonce (303), GET of the thank-you page; its latency "
        "columns cover all three requests. *Server CPU* is the user + system time gunicorn's processes used during "
        "the line, per request (per submission: its three requests together), read from `/proc`; unlike requests/s it "
        "does not shrink when other programs take the cores, so *share by CPU* (ceiling's CPU per request ÷ ours) "
        "is the steadier comparison on a shared machine. Database server CPU is not included in it. The form's "
        "ceiling is the one-query page; the submissions' ceiling is the bare-Flask submission (`/submit` in "
        "`bench/ceiling_app.py`: the same three requests, one row read, one transaction inserting the response and "
        "its answers, and nothing else).",
        "",
        "| database | what | requests/s | submissions/s | p50 / p95 / p99 ms | errors | server CPU ms | share of "
        "its ceiling by rate | by CPU |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["runs"]:
        query_cpu, bare_sub_cpu = r["query"]["cpu_ms"], r["bare_submit"]["cpu_ms"]
        for key, what in (
            ("bare", "bare Flask, page only"),
            ("query", "bare Flask, one query + page"),
            ("bare_submit", "bare Flask, complete submissions"),
            ("form", "`GET /s/<token>` (Thai form)"),
            ("submit", "complete submissions"),
        ):
            m = r[key]
            subs = f"{m['submissions_per_s']:,.0f}" if "submissions_per_s" in m else ""
            cpu = m["cpu_ms"] * (3 if key.endswith("submit") else 1)
            shares = " | "
            if key == "form":
                shares = f"{statistics.median(r['form_shares']):.0%} | {query_cpu / m['cpu_ms']:.0%}"
            elif key == "submit":
                shares = f"{statistics.median(r['submit_shares']):.0%} | {bare_sub_cpu / m['cpu_ms']:.0%}"
            lines.append(
                f"| {r['database']} | {what} | {m['rps']:,.0f} | {subs} | {_ms(m['p50_us'])} / "
                f"{_ms(m['p95_us'])} / {_ms(m['p99_us'])} | {m['errors']} | {cpu:.2f} | {shares} |"
            )
    lines.append("")
    for r in report["runs"]:
        s = r["submit"]
        verdict = "equal" if r["answered_303"] == r["stored"] else "**NOT equal**"
        in_flight = r["stored"] - r["acknowledged"]
        lines.append(
            f"- {r['database']}: {r['answered_303']:,} submissions acknowledged by the server (303 in its access log), "
            f"{r['stored']:,} response rows stored: {verdict}; the load generator received {r['acknowledged']:,} of "
            f"those 303s ({in_flight} were in flight when a round stopped, at most one per connection and round); "
            f"form GET at {_shares(r['form_shares'])} of the one-query ceiling in the rounds (target 50 %); complete "
            f"submissions at {_rates(r['submit']['rates'])}/s (target 200) against "
            f"{_rates(r['bare_submit']['rates'])}/s for the bare-Flask submission, shares "
            f"{_shares(r['submit_shares'])}; {1000 / (3 * s['cpu_ms']):,.0f} submissions/s per core of server CPU; the "
            f"page is {r['page_bytes']:,} bytes. Load average (1 min) after each line of the last round: "
            + ", ".join(f"{r[k]['load']:.1f}" for k in ("bare", "query", "bare_submit", "form", "submit"))
            + "."
        )
    lines += [
        "",
        "The load generator, PostgreSQL and gunicorn share the machine's cores (the load averages above count wrk's "
        "threads too); when other programs also run, absolute numbers drop, and the ceilings, measured in the same "
        "minutes, keep the shares the fairer comparison.",
        "",
        *machine_table(report["machine"]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Measure on SQLite and PostgreSQL and write the section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per line and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--port", type=int, default=5410, help="the app's port; the ceilings use the next one"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/4"),
        help="rate-limit storage, as in production with several workers (memory:// to leave Redis out)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    add_common_arguments(parser)
    args = parser.parse_args()
    runs, pg_version = [], None
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as folder:
        log = Path(folder)
        if not args.skip_sqlite:
            runs.append(run("SQLite", f"sqlite:///{folder}/bench.db", args, log))
        if not args.skip_postgres:
            url, pg_version = create_pg_database(args.pg_url, "bench_intake")
            try:
                runs.append(run("PostgreSQL", url, args, log))
            finally:
                drop_pg_database(args.pg_url, url)
    import multiprocessing
    from importlib.metadata import version

    report = {
        "date": local_today().isoformat(),
        "command": "bench/intake.py " + " ".join(sys.argv[1:]) if sys.argv[1:] else "bench/intake.py",
        "duration": args.duration,
        "rounds": args.rounds,
        "connections": args.connections,
        "workers": os.environ.get("SURVEY_WORKERS", multiprocessing.cpu_count() * 2 + 1),
        "threads": os.environ.get("SURVEY_THREADS", "2"),
        "runs": runs,
        "machine": machine(
            **{
                "gunicorn / Flask / SQLAlchemy": f"{version('gunicorn')} / {version('flask')} / {sa.__version__}",
                "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split()[1],
                "PostgreSQL": pg_version or "not run",
            }
        ),
    }
    section = render(report)
    print(section)
    print(json.dumps(runs, indent=1), file=sys.stderr)
    if not args.no_doc:
        update_doc(HEADING, section)


if __name__ == "__main__":
    main()
