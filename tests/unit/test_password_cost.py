"""Staff passwords are hashed at werkzeug's full scrypt cost in production; the test run's cheaper hashes
(tests/speedups.py) are checked by the same code, since each hash records its own parameters."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from survey_app.services.accounts import staff as accounts
from tests import speedups


def test_production_hashes_at_werkzeugs_full_scrypt_cost() -> None:
    with speedups.full_cost_hashing():
        made = accounts.hash_password("correct horse battery staple")
    assert made.startswith("scrypt:32768:8:1$")
    assert check_password_hash(made, "correct horse battery staple")
    assert not check_password_hash(made, "correct horse battery stapler")


def test_the_test_runs_cheaper_hash_is_checked_by_the_same_code() -> None:
    made = accounts.hash_password("correct horse battery staple")
    assert made.startswith(speedups.TEST_SCRYPT + "$")
    assert check_password_hash(made, "correct horse battery staple")
    assert not check_password_hash(made, "Correct horse battery staple")
