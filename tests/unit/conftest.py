"""Unit tests' application: built by ``create_app`` on a file that is never migrated, for what needs an app and a
request context (templates, translations) but no database."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from survey_app import create_app


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "RATELIMIT_STORAGE_URI": "memory://",
    })  # fmt: skip
