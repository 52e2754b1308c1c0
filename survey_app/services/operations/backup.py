"""``survey-app backup``: a consistent copy of a live database, taken while the application keeps serving.

SQLite goes through its online backup API (pages copied under a read lock in steps, so writers wait at most one
step) and the copy is checked with ``PRAGMA integrity_check``. PostgreSQL is dumped by ``pg_dump`` in its custom
format (restored with ``pg_restore``), itself a consistent snapshot of one transaction.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

PAGES_PER_STEP = 1024


class BackupError(RuntimeError):
    """The backup could not be taken; the message says why."""


def backup(database_url: str, destination: Path) -> str:
    """Copy the database at ``database_url`` to ``destination`` (a file, replaced if it exists); returns a line
    saying what was written. Raises :class:`BackupError`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite(url.database or "", destination)
    if url.get_backend_name() == "postgresql":
        return _postgresql(
            url.set(drivername="postgresql").render_as_string(hide_password=False), destination
        )
    raise BackupError(f"no backup method for {url.get_backend_name()} databases")


def _sqlite(path: str, destination: Path) -> str:
    if not path or path == ":memory:" or not Path(path).exists():
        raise BackupError(f"no SQLite database file at {path or '(memory)'}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=PAGES_PER_STEP)
        target.execute("PRAGMA journal_mode=DELETE")
        verdict = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    partial.replace(destination)
    return f"SQLite database copied to {destination} ({destination.stat().st_size} bytes, integrity ok)"


def _postgresql(libpq_url: str, destination: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed (Debian package postgresql-client)")
    destination.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(  # noqa: S603  (a fixed program and arguments, no shell)
        [pg_dump, "--format=custom", "--no-owner", f"--file={destination}", f"--dbname={libpq_url}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return (
        f"PostgreSQL database dumped to {destination} ({destination.stat().st_size} bytes, pg_restore format)"
    )
