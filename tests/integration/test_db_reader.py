"""``db.reader()`` (survey_app/db.py): the survey's one-query pages read in autocommit, with no BEGIN before and no
ROLLBACK after, and the pool gives the same connection back to the next request with its transactions intact."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from survey_app.db import db
from survey_app.models import SpentNonce

_NONCES = SpentNonce.__table__


def _add(conn: sa.Connection, nonce_hash: str) -> None:
    conn.execute(sa.insert(_NONCES).values(nonce_hash=nonce_hash, expires_on=dt.date(2030, 1, 1)))


def test_the_reader_runs_outside_a_transaction_and_the_next_borrower_gets_transactions(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.engine.dispose()  # one pooled connection from here on, lent to each block below in turn
        with db.reader() as conn:
            # Autocommit: kept without a commit (the reader is for reads; this shows it).
            _add(conn, "read-side")
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        with db.engine.connect() as conn:
            _add(conn, "rolled-back")
            conn.rollback()
        with db.engine.connect() as conn:
            _add(conn, "never-committed")  # returned to the pool without a commit: rolled back
        with db.engine.connect() as conn:
            kept = set(conn.scalars(sa.select(_NONCES.c.nonce_hash)))
        assert kept == {"read-side"}
        assert db.engine.pool.checkedin() == 1  # type: ignore[attr-defined]


def test_the_requests_core_connection_keeps_only_what_was_committed(app) -> None:  # type: ignore[no-untyped-def]
    """``db.connection()`` (the survey POST's): one per request, its transaction rolled back at the request's end
    unless committed, and rolled back with the session by ``db.rollback()`` (error pages)."""
    with app.test_request_context():
        assert db.connection() is db.connection()
        _add(db.connection(), "left-open")
    with app.test_request_context():
        _add(db.connection(), "rolled-back")
        db.rollback()
        _add(db.connection(), "committed")
        db.connection().commit()
    with app.app_context(), db.engine.connect() as conn:
        assert set(conn.scalars(sa.select(_NONCES.c.nonce_hash))) == {"committed"}
