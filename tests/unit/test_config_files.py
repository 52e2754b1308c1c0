"""Secrets read from files: ``SURVEY_<NAME>_FILE`` names a file holding the value (systemd credentials, container
secrets), so keys and passwords need not sit in the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app import config


def _production(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"SURVEY_ENV": "production", "SURVEY_BASE_URL": "https://eit.example.go.th", **extra}


def test_secrets_are_read_from_the_files_the_variables_name(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("s" * 48 + "\n")
    (tmp_path / "mail_password").write_text("  smtp pass word \n")
    (tmp_path / "database_url").write_text("postgresql+psycopg://app:p%40ss@db/eit\n")
    environ = _production(
        tmp_path,
        SURVEY_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        SURVEY_MAIL_PASSWORD_FILE=str(tmp_path / "mail_password"),
        SURVEY_DATABASE_URL_FILE=str(tmp_path / "database_url"),
    )
    settings = config.load(str(tmp_path / "instance"), environ)
    assert settings["SECRET_KEY"] == "s" * 48
    assert settings["LINK_KEYS"] == ["s" * 48]
    assert settings["MAIL_PASSWORD"] == "smtp pass word"
    assert settings["DATABASE_URL"] == "postgresql+psycopg://app:p%40ss@db/eit"


def test_a_secret_file_that_cannot_be_read_stops_the_start_naming_it(tmp_path: Path) -> None:
    environ = _production(tmp_path, SURVEY_SECRET_KEY_FILE=str(tmp_path / "missing"))
    with pytest.raises(
        config.ConfigError, match=r"SURVEY_SECRET_KEY_FILE names .*missing, which cannot be read"
    ):
        config.load(str(tmp_path), environ)


def test_a_value_and_a_file_for_the_same_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("from-file")
    environ = _production(
        tmp_path, SURVEY_SECRET_KEY="from-env", SURVEY_SECRET_KEY_FILE=str(tmp_path / "key")
    )
    with pytest.raises(config.ConfigError, match="SURVEY_SECRET_KEY or SURVEY_SECRET_KEY_FILE, not both"):
        config.load(str(tmp_path), environ)


def test_an_empty_secret_file_counts_as_missing_in_production(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("\n")
    environ = _production(tmp_path, SURVEY_SECRET_KEY_FILE=str(tmp_path / "key"))
    with pytest.raises(config.ConfigError, match="needs SURVEY_SECRET_KEY"):
        config.load(str(tmp_path), environ)
