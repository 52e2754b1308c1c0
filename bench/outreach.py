"""Posters, contact import and mail benchmark. Writes the "Posters, contact import and mail" section of
docs/benchmarks.md.

    .venv/bin/python bench/outreach.py [--contacts 5000] [--mails 1000] [--pg-url ...] [--skip-postgres] [--no-doc]

What is measured
    posters     rendering one office's two A4 posters, and all 76 offices' 152 posters in one PDF (fpdf2 with
                HarfBuzz shaping, fonts subset and embedded): seconds and bytes.
    import      reading and checking a CSV of ``--contacts`` contacts, then creating their invitations.
    queue       queueing their invitation emails (one INSERT ... SELECT), and queueing reminders.
    send        ``--mails`` emails composed (Thai and English, text and HTML) and delivered to an SMTP server on
                loopback (aiosmtpd) by one worker, then by two workers at once (the rate limit set out of the way):
                messages per second, and a check that no address got two.

Only loopback services are used; the PostgreSQL database is created for the run and dropped after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.survey_page import versions  # noqa: E402
from survey_app import create_app, migrate  # noqa: E402
from survey_app.db import db  # noqa: E402
from survey_app.documents import posters  # noqa: E402
from survey_app.models import Audience, Invitation  # noqa: E402
from survey_app.questionnaire import load  # noqa: E402
from survey_app.services.outreach import contacts, outbox  # noqa: E402
from survey_app.services.outreach.invitations import import_contacts  # noqa: E402
from survey_app.services.outreach.mailer import MailSettings, Worker  # noqa: E402
from survey_app.tokens import short_code  # noqa: E402
from tests.smtp import SmtpServer  # noqa: E402

HEADING = "## Posters, contact import and mail"


def bench_posters() -> dict[str, float]:
    """Seconds and bytes for one office's posters and for every office's."""
    offices = [row.split(",") for row in (ROOT / "surveys" / "offices.csv").read_text().splitlines()[1:]]
    pages = [
        posters.Poster(
            code,
            th,
            en,
            audience,
            f"https://eit.industry.go.th/s/p{i}-1.Xq3kT0v9b8LmYc1sPzW4aA",
            dt.date(2025, 10, 1),
            dt.date(2026, 9, 30),
            "https://eit.industry.go.th/privacy",
            short_code(i + 1, 1, "bench"),
            "https://eit.industry.go.th/t",
        )
        for i, (code, th, en, *_rest) in enumerate(offices)
        for audience in Audience
    ]
    start = time.perf_counter()
    one = posters.render(pages[:2])
    one_s = time.perf_counter() - start
    start = time.perf_counter()
    everything = posters.render(pages)
    all_s = time.perf_counter() - start
    return {
        "one_s": one_s,
        "one_bytes": len(one),
        "all_s": all_s,
        "all_bytes": len(everything),
        "pages": len(pages),
    }


def _csv(count: int) -> bytes:
    rows = [f"owner{i}@factory{i % 97}.example,บริษัท ทดสอบ {i} จำกัด,mining" for i in range(count)]
    return ("\ufeffemail,name,service\r\n" + "\r\n".join(rows) + "\r\n").encode()


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def _send(app: Any, smtp: SmtpServer, sessions: sessionmaker[Session], names: list[str]) -> float:
    """Seconds for the workers ``names`` running at once to empty the outbox."""
    settings = MailSettings.from_config({**app.config, **smtp.config(MAIL_RATE_PER_MINUTE=10**9)})

    def work(name: str) -> None:
        with app.app_context():
            Worker(settings, sessions, name=name, sleep=lambda _s: None).run_once()

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def run(label: str, url: str, count: int, mails: int) -> dict[str, Any]:
    """Import, queue, remind and send on one database."""
    migrate.upgrade(url)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "LINK_KEYS": ["bench"], "BASE_URL": "https://x.th"}
    )
    questionnaire = load(ROOT / "surveys" / "eit-2568.yaml")
    result: dict[str, Any] = {"database": label}
    smtp = SmtpServer()
    smtp.controller.start()
    try:
        with app.app_context():
            sessions = sessionmaker(db.engine, expire_on_commit=False)
            with sessions.begin() as session:
                cycle = common.seed(session, questionnaire)
            data = _csv(count)
            spellings = contacts.service_spellings(questionnaire)
            parsed, result["parse_s"] = _timed(contacts.parse, data, spellings)
            with sessions.begin() as session:
                _, result["import_s"] = _timed(import_contacts, session, cycle, "50", parsed)
            now = dt.datetime.now(dt.UTC)
            with sessions.begin() as session:
                result["queued"], result["queue_s"] = _timed(
                    outbox.queue_invitations, session, cycle, None, now
                )
            with sessions.begin() as session:  # leave only --mails messages for the send measurements
                keep = sa.select(Invitation.id).order_by(Invitation.id).limit(2 * mails).scalar_subquery()
                session.execute(
                    sa.delete(outbox.OutboxMessage).where(outbox.OutboxMessage.invitation_id.not_in(keep))
                )
                ids = session.scalars(
                    sa.select(outbox.OutboxMessage.id).order_by(outbox.OutboxMessage.id)
                ).all()
                session.execute(sa.update(outbox.OutboxMessage).where(outbox.OutboxMessage.id.in_(ids[mails:]))
                                .values(state="cancelled"))  # fmt: skip
            result["one_s"] = _send(app, smtp, sessions, ["one"])
            with sessions.begin() as session:
                session.execute(sa.update(outbox.OutboxMessage).where(outbox.OutboxMessage.id.in_(ids[mails:]))
                                .values(state="queued"))  # fmt: skip
            result["two_s"] = _send(app, smtp, sessions, ["alpha", "beta"])
            with sessions.begin() as session:
                session.execute(
                    sa.update(Invitation).values(sent_at=now - dt.timedelta(days=8), status="sent")
                )
            with sessions.begin() as session:
                result["reminded"], result["remind_s"] = _timed(outbox.remind, session, now, 7, 2, None)
            db.dispose()
        recipients = Counter(r for received in smtp.received for r in received.recipients)
        result["delivered"] = sum(recipients.values())
        result["duplicates"] = sum(n - 1 for n in recipients.values() if n > 1)
        result["mails"] = mails
    finally:
        smtp.controller.stop()
    return result


def render(report: dict[str, Any]) -> str:
    """The section."""
    p = report["posters"]
    lines = [
        HEADING,
        "",
        f"Generated by `bench/outreach.py` on {report['date']}; run `.venv/bin/python bench/outreach.py` to refresh "
        "this section.",
        "",
        "| posters (fpdf2, Thai shaped by HarfBuzz, fonts subset and embedded) | seconds | PDF size |",
        "| --- | ---: | ---: |",
        f"| one office: citizen and business posters (2 pages) | {p['one_s']:.2f} | {p['one_bytes'] / 1024:.0f} KB |",
        f"| every office in one PDF ({p['pages']} pages) | {p['all_s']:.2f} | {p['all_bytes'] / 1024 / 1024:.1f} MB |",
        "",
        f"| database | check a {report['contacts']:,}-contact CSV | create the invitations | queue their emails | "
        f"queue reminders | send {report['mails']:,} emails, 1 worker | same, 2 workers at once | "
        "duplicates |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["runs"]:
        lines.append(
            f"| {r['database']} | {r['parse_s']:.2f} s | {r['import_s']:.2f} s | {r['queue_s']:.2f} s | "
            f"{r['remind_s']:.2f} s | {r['mails'] / r['one_s']:.0f} /s | {r['mails'] / r['two_s']:.0f} /s | "
            f"{r['duplicates']} of {r['delivered']:,} |"
        )
    lines += [
        "",
        "Emails are composed from the templates (Thai and English, plain text and HTML) and delivered over SMTP to "
        "aiosmtpd on loopback, each claimed by a conditional UPDATE in its own transaction; the production rate "
        "limit (`SURVEY_MAIL_RATE_PER_MINUTE`, 60 by default) is what bounds real sending, so these rates only show "
        "the worker's own cost. A real SMTP relay over a network adds its round trips.",
        "",
        *common.machine_table(report["machine"]),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=5000)
    parser.add_argument("--mails", type=int, default=1000)
    common.add_common_arguments(parser)
    args = parser.parse_args()
    with common.scratch_databases(args, "bench-outreach") as (databases, pg_version):
        runs = [run(label, url, args.contacts, args.mails) for label, url in databases]
    report = {"date": dt.date.today().isoformat(), "posters": bench_posters(), "runs": runs,
              "contacts": args.contacts, "mails": args.mails,
              "machine": common.machine(**versions(pg_version))}  # fmt: skip
    common.publish(HEADING, render(report), args)


if __name__ == "__main__":
    main()
