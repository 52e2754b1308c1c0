"""First paint of the survey page on a slow phone network: 400 kbit/s and 400 ms round trip per connection.
Writes the "First paint of the survey" section of docs/benchmarks.md.

    .venv/bin/python bench/first_paint.py [--runs 5] [--app-root PATH] [--label NAME] [--no-doc]

1. A scratch SQLite database is migrated and seeded (76 offices, an open cycle, one poster link).
2. gunicorn serves the product (``wsgi:app``) with the committed settings (``-c python:survey_app.gunicorn_conf``)
   from ``--app-root`` (this checkout by default; point it at another checkout to measure that version the same way).
3. A pacing proxy on loopback (asyncio, in this process) stands between the browser and gunicorn. Each connection
   gets its own link: every byte waits half the round trip (200 ms) each way, and each direction is paced at
   400 kbit/s in packets of at most 1,460 bytes; a new connection's first bytes wait one more round trip (the TCP
   handshake). It accepts at most 32 connections at once and the whole run is bounded in time.
4. Forty direct requests for the page first, so that every gunicorn worker has compiled its templates.
5. Headless Chromium (Debian's package, driven by Playwright with the launch flags of tests/live.py) opens the
   survey page through the proxy in a fresh browser context (first visit, empty cache), then, after the proxy has
   closed every connection (a visitor coming back later has none open), opens it again in the same context
   (repeat visit, warm cache). Each visit reads ``first-contentful-paint`` from the Performance API, and the proxy
   counts the bytes it carried to the browser and the connections it was asked for.
6. ``--runs`` pairs of visits; the section reports medians (and the range).

Network traffic goes only to 127.0.0.1; every wait has a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, machine_table, publish  # noqa: E402
from bench.intake import LINK_KEY, SECRET, Server, prepare  # noqa: E402
from tests.live import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.smtp import _free_port as free_port  # noqa: E402

HEADING = "## First paint of the survey"
RATE_BYTES_PER_S = 400_000 / 8
RTT_S = 0.4
PACKET = 1460
MAX_CONNECTIONS = 32
VISIT_TIMEOUT_MS = 30_000
RUN_DEADLINE_S = 600


@dataclass
class Link:
    """One direction of one connection: packets leave no faster than the rate and arrive half a round trip later."""

    free_at: float
    queue: asyncio.Queue[tuple[float, bytes] | None] = field(default_factory=asyncio.Queue)

    def schedule(self, data: bytes, now: float) -> None:
        for start in range(0, len(data), PACKET):
            packet = data[start : start + PACKET]
            self.free_at = max(self.free_at, now) + len(packet) / RATE_BYTES_PER_S
            self.queue.put_nowait((self.free_at + RTT_S / 2, packet))


class PacingProxy:
    """A TCP relay on 127.0.0.1 that gives every connection a slow link of its own (see the module docstring)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.bytes_down = 0
        self.connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def __enter__(self) -> PacingProxy:
        self._thread.start()
        self._call(self._start)
        return self

    def __exit__(self, *_: object) -> None:
        self._call(self._stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def _call(self, coroutine: Callable[[], Awaitable[Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine(), self._loop).result(timeout=30)

    def reset_counts(self) -> None:
        self.bytes_down = self.connections = 0

    def drop_connections(self) -> None:
        """Close every open connection, as after a visitor has been away for a while."""

        async def close() -> None:
            for writer in list(self._writers):
                writer.close()
            await asyncio.sleep(0.05)

        self._call(close)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        await asyncio.sleep(0.2)  # the relays see their sockets closed and end
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        if others:
            await asyncio.wait(others, timeout=5)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        async with self._slots:
            self.connections += 1
            now = self._loop.time()
            try:
                server_reader, server_writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.target_port), timeout=10
                )
            except (OSError, TimeoutError):
                client_writer.close()
                return
            self._writers |= {client_writer, server_writer}
            up, down = Link(free_at=now + RTT_S), Link(free_at=now)
            tasks = [
                asyncio.ensure_future(self._read(client_reader, up)),
                asyncio.ensure_future(self._deliver(up, server_writer, count=False)),
                asyncio.ensure_future(self._read(server_reader, down)),
                asyncio.ensure_future(self._deliver(down, client_writer, count=True)),
            ]
            try:
                await asyncio.wait(tasks, timeout=RUN_DEADLINE_S)
            except asyncio.CancelledError:
                pass  # the proxy is stopping: end quietly (the stream server reads this task's outcome)
            finally:
                for task in tasks:
                    task.cancel()
                for writer in (client_writer, server_writer):
                    writer.close()
                    self._writers.discard(writer)

    async def _read(self, reader: asyncio.StreamReader, link: Link) -> None:
        try:
            while data := await reader.read(65536):
                link.schedule(data, self._loop.time())
        except OSError:
            pass
        link.queue.put_nowait(None)

    async def _deliver(self, link: Link, writer: asyncio.StreamWriter, count: bool) -> None:
        try:
            while (item := await link.queue.get()) is not None:
                due, packet = item
                delay = due - self._loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(packet)
                await writer.drain()
                if count:
                    self.bytes_down += len(packet)
        except OSError:
            pass
        finally:
            writer.close()


FCP_JS = """() => new Promise(resolve => {
  const found = () => performance.getEntriesByName('first-contentful-paint')[0];
  const done = () => { const e = found(); resolve(e ? e.startTime : null); };
  if (found()) return done();
  new PerformanceObserver(() => done()).observe({type: 'paint', buffered: true});
  setTimeout(done, 10000);
})"""


def visit(page: Any, url: str, proxy: PacingProxy) -> dict[str, float]:
    """Open ``url``; its first-contentful-paint (ms), load time (ms), bytes carried to the browser, connections."""
    proxy.reset_counts()
    page.goto(url, wait_until="load", timeout=VISIT_TIMEOUT_MS)
    fcp = page.evaluate(FCP_JS)
    load = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventStart; }"
    )
    if fcp is None:
        raise RuntimeError("no first-contentful-paint entry")
    return {
        "fcp": float(fcp),
        "load": float(load),
        "bytes": proxy.bytes_down,
        "connections": proxy.connections,
    }


def measure(url: str, proxy: PacingProxy, runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    results: dict[str, list[dict[str, float]]] = {"first": [], "repeat": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
                page = context.new_page()
                results["first"].append(visit(page, url, proxy))
                page.close()
                proxy.drop_connections()
                page = context.new_page()
                results["repeat"].append(visit(page, url, proxy))
                context.close()
                proxy.drop_connections()
        finally:
            browser.close()
    return results


def warm(url: str, requests: int = 40) -> None:
    """Ask gunicorn directly for the page, 8 at a time, so every worker has compiled its templates before the runs."""
    import concurrent.futures
    import urllib.request

    def get(_: int) -> None:
        with urllib.request.urlopen(url, timeout=30) as reply:  # noqa: S310 - loopback
            reply.read()

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(get, range(requests)))


def run(app_root: Path, runs: int, proxy_gzip: bool) -> dict[str, Any]:
    """Serve the checkout at ``app_root`` behind the pacing proxy and measure ``runs`` pairs of visits; with
    ``proxy_gzip`` its HTML is gzipped as the documented reverse proxy does (bench/proxy_gzip_app.py)."""
    from flask import Flask

    from survey_app.tokens import poster_token

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/first-paint.db"
        link_id = prepare(url)
        signer = Flask(__name__, instance_path=scratch)
        signer.config.update(SECRET_KEY=SECRET, LINK_KEYS=[LINK_KEY])
        with signer.app_context():
            path = "/s/" + poster_token(link_id, 1)
        env = {
            "SURVEY_DATABASE_URL": url,
            "SURVEY_SECRET_KEY": SECRET,
            "SURVEY_LINK_KEYS": LINK_KEY,
            "SURVEY_RATELIMIT_STORAGE_URI": "memory://",
        }
        # The wrapper comes from this checkout's bench/, the app (``wsgi``) from app_root (gunicorn's working
        # directory, first on its path).
        if proxy_gzip:
            env["PYTHONPATH"] = str(ROOT / "bench")
        port = free_port()
        served = "proxy_gzip_app:app" if proxy_gzip else "wsgi:app"
        with (
            Server(served, port, env, Path(scratch) / "gunicorn.log", cwd=app_root),
            PacingProxy(port) as proxy,
        ):
            warm(f"http://127.0.0.1:{port}{path}")
            started = time.monotonic()
            results = measure(f"http://127.0.0.1:{proxy.port}{path}", proxy, runs)
            seconds = time.monotonic() - started
    return {"results": results, "seconds": seconds, "load": os.getloadavg()}


def _summary(runs: list[dict[str, float]], key: str) -> str:
    values = [r[key] for r in runs]
    return f"{statistics.median(values) / 1000:.2f} s ({min(values) / 1000:.2f}–{max(values) / 1000:.2f})"


def rows(report: dict[str, Any], label: str) -> list[str]:
    """Table rows of one served version: first and repeat visit."""
    results = report["results"]
    load = ", ".join(f"{v:.2f}" for v in report["load"])
    return [
        f"| {label} | {name} | {_summary(results[name], 'fcp')} | {_summary(results[name], 'load')} | "
        f"{statistics.median(r['bytes'] for r in results[name]):,.0f} | "
        f"{statistics.median(r['connections'] for r in results[name]):.0f} | {load} |"
        for name in ("first", "repeat")
    ]


def render(tables: list[str], runs: int) -> str:
    from importlib.metadata import version

    chromium = subprocess.run(
        [CHROMIUM, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    description = machine(Chromium=chromium or CHROMIUM, Playwright=version("playwright"))
    return "\n".join(
        [
            HEADING,
            "",
            f"Generated by `bench/first_paint.py` on {time.strftime('%Y-%m-%d')}; run "
            "`.venv/bin/python bench/first_paint.py [--compare PATH]` to refresh this section. The Thai survey page of "
            "a poster link, served by gunicorn with the committed settings, opened by headless Chromium at a 360×740 "
            "phone viewport through a pacing proxy on loopback: 400 kbit/s each way and 400 ms round trip per "
            "connection, one more round trip for each new connection's handshake. First visit: a fresh browser "
            "context (empty cache). Repeat visit: the same context after the proxy closed every connection. "
            f"First contentful paint from the Performance API; medians of {runs} runs (range in brackets). "
            "Targets: repeat ≤ 1.2 s, first ≤ 1.6 s.",
            "",
            "| version | visit | first contentful paint | load event | bytes to the browser | connections | "
            "load average (1, 5, 15 min) |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
            *tables,
            "",
            *machine_table(description),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--compare", help="another checkout to measure first, the same way (e.g. main before)"
    )
    parser.add_argument("--compare-label", default="before")
    parser.add_argument("--label", default="site.css inline on a first visit")
    parser.add_argument("--no-doc", action="store_true", help="print the section instead of writing the doc")
    args = parser.parse_args()
    if not 1 <= args.runs <= 20:
        parser.error("--runs takes 1 to 20")
    versions = ([(Path(args.compare), args.compare_label)] if args.compare else []) + [(ROOT, args.label)]
    tables: list[str] = []
    for proxy_gzip in (False, True):
        for root, label in versions:
            suffix = ", HTML gzipped by the proxy" if proxy_gzip else ", HTML as the app sends it"
            tables += rows(run(root, args.runs, proxy_gzip), label + suffix)
    publish(HEADING, render(tables, args.runs), args)


if __name__ == "__main__":
    main()
