"""Sign-in under attack: the failure counter is claimed atomically (40 concurrent wrong passwords check at most
five), and unknown emails, wrong passwords and locked accounts get the same answer for the same work."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from survey_app.db import make_engine
from survey_app.models import AuditEvent, StaffUser
from survey_app.services.accounts import staff as accounts
from tests.helpers import login

from .staff_data import PASSWORD, isolate_requests, make_user

T0 = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)


def _count(session, action: str) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_forty_concurrent_wrong_passwords_check_at_most_five(database_url: str, session) -> None:
    make_user(session, "admin", email="target@industry.test")
    engine = make_engine(database_url, pool_size=40, max_overflow=0)
    barrier = threading.Barrier(40)
    results: list[accounts.LoginResult] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        try:
            with sa.orm.Session(engine, expire_on_commit=False) as s:
                barrier.wait(timeout=30)
                claimed = accounts.claim_attempt(s, "target@industry.test", T0)
                s.commit()  # as the sign-in view does: counted first, then checked
                result = accounts.check_attempt(s, claimed, "a wrong password", T0)
                s.commit()
                results.append(result)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    engine.dispose()
    assert not errors, errors
    assert len(results) == 40 and all(r.user is None for r in results)
    # Every attempt is audited as a checked wrong password or as refused by the lock: exactly 5 were checked.
    assert _count(session, "login_failed") == 5
    assert _count(session, "login_locked") == 35
    user = session.scalar(sa.select(StaffUser).where(StaffUser.email == "target@industry.test"))
    assert user.locked_until is not None and accounts._aware(user.locked_until) == T0 + dt.timedelta(
        minutes=15
    )
    # Even the right password is refused until the lock ends, then accepted (and the count starts again).
    assert accounts.authenticate(session, user.email, PASSWORD, T0 + dt.timedelta(minutes=14)).user is None
    later = accounts.authenticate(session, user.email, PASSWORD, T0 + dt.timedelta(minutes=15, seconds=1))
    session.commit()
    assert later.user is not None and later.user.failed_logins == 0 and later.user.locked_until is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_right_password_at_the_fifth_attempt_lifts_the_lock_it_set(session) -> None:
    user = make_user(session, "viewer")
    for _ in range(4):
        assert accounts.authenticate(session, user.email, "wrong password!", T0).user is None
    assert accounts.authenticate(session, user.email, PASSWORD, T0).user is not None
    session.commit()
    session.expire_all()
    fresh = session.get(StaffUser, user.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None


def _page_without_token(text: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", text)


def test_unknown_known_locked_and_disabled_accounts_get_the_same_answer(app, session) -> None:
    isolate_requests(app)
    make_user(session, "admin", email="known@industry.test")
    locked = make_user(session, "admin", email="locked@industry.test")
    disabled = make_user(session, "viewer", email="disabled@industry.test")
    session.execute(sa.update(StaffUser).where(StaffUser.id == locked.id).values(
        failed_logins=7, locked_until=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)))  # fmt: skip
    session.execute(sa.update(StaffUser).where(StaffUser.id == disabled.id).values(active=False))
    session.commit()
    answers = {}
    for email, password in [
        ("nobody@industry.test", "a wrong password"),
        ("known@industry.test", "a wrong password"),
        ("locked@industry.test", PASSWORD),  # the right password of a locked account
        ("disabled@industry.test", PASSWORD),
    ]:
        response = login(app.test_client(), email, password)
        answers[email] = (response.status_code, _page_without_token(response.text).replace(email, "EMAIL"))
    assert len(set(answers.values())) == 1, answers
    status, page = answers["nobody@industry.test"]
    assert status == 401 and "อีเมลหรือรหัสผ่านไม่ถูกต้อง" in page and "15 นาที" in page


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_failure_path_computes_exactly_one_password_hash(session, monkeypatch) -> None:
    # Time is measured in bench/, not here: what makes the paths take the same time is the same work, one scrypt
    # hash each (the real function, counted).
    calls: list[str] = []
    real = accounts.check_password_hash

    def counted(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counted)
    user = make_user(session, "admin")
    cases = {
        "unknown": ("nobody@industry.test", "x" * 12),
        "wrong": (user.email, "x" * 12),
    }
    for name, (email, password) in cases.items():
        calls.clear()
        assert accounts.authenticate(session, email, password, T0).user is None, name
        assert len(calls) == 1 and calls[0].startswith("scrypt:"), name
    session.execute(sa.update(StaffUser).values(locked_until=T0 + dt.timedelta(minutes=5), failed_logins=5))
    calls.clear()
    assert accounts.authenticate(session, user.email, PASSWORD, T0).locked
    assert len(calls) == 1 and calls[0] != user.password_hash and calls[0].startswith("scrypt:")
