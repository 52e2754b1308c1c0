"""Settings come from SURVEY_* variables; production refuses to start without its secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app import config, create_app


def test_production_start_without_secret_key_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    monkeypatch.setenv("SURVEY_BASE_URL", "https://eit.example.go.th")
    with pytest.raises(config.ConfigError, match="SURVEY_SECRET_KEY"):
        create_app()


def test_production_start_without_base_url_fails(tmp_path: Path) -> None:
    environ = {"SURVEY_ENV": "production", "SURVEY_SECRET_KEY": "k" * 40}
    with pytest.raises(config.ConfigError, match="SURVEY_BASE_URL"):
        config.load(str(tmp_path), environ)


def test_production_settings_are_taken_from_the_environment(tmp_path: Path) -> None:
    environ = {
        "SURVEY_ENV": "production",
        "SURVEY_SECRET_KEY": "k" * 40,
        "SURVEY_BASE_URL": "https://eit.example.go.th/",
        "SURVEY_DATABASE_URL": "postgresql+psycopg://app@db/eit",
        "SURVEY_LINK_KEYS": "new-key, old-key",
    }
    settings = config.load(str(tmp_path), environ)
    assert settings["BASE_URL"] == "https://eit.example.go.th"
    assert settings["DATABASE_URL"] == "postgresql+psycopg://app@db/eit"
    assert settings["LINK_KEYS"] == ["new-key", "old-key"]
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_development_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = config.load(str(tmp_path), {})["SECRET_KEY"]
    second = config.load(str(tmp_path), {})["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = config.load(str(tmp_path), {"SURVEY_SECRET_KEY": "x"})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'survey.db'}"
