"""The systemd units of the deployment kit (docs/deploy/systemd/) are valid for systemd (``systemd-analyze verify``
with the install paths pointed at this checkout), every ``survey-app`` command they run exists with those options,
and every timer starts a service of the kit."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from survey_app.cli import cli

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "docs" / "deploy" / "systemd"
VENV_BIN = Path(sys.executable).parent


def _unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path)
    return parser


def _survey_app_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in sorted(UNITS.glob("*.service")):
        for line in path.read_text().splitlines():
            match = re.search(r"/survey-app (.+)$", line) if line.startswith("ExecStart=") else None
            if match:
                words = re.sub(r"\$\([^)]*\)|\$\{?\w+\}?", "x", match.group(1).rstrip("'"))
                found.append((path.name, shlex.split(words)))
    return found


def test_every_survey_app_command_in_the_units_exists_with_its_options() -> None:
    commands = _survey_app_commands()
    assert {name for name, _ in commands} >= {
        "survey-mail.service", "survey-prune.service", "survey-backup.service", "survey-verify.service",
        "survey-remind.service", "survey-release.service",
    }  # fmt: skip
    for name, args in commands:
        command: click.Command = cli
        while isinstance(command, click.Group):
            sub = command.get_command(click.Context(command), args[0])
            assert sub is not None, f"{name}: no survey-app command {args[0]!r}"
            command, args = sub, args[1:]
        command.make_context(name, list(args))  # raises on an unknown option or a missing argument


def test_every_timer_starts_a_service_of_the_kit() -> None:
    timers = sorted(UNITS.glob("*.timer"))
    assert {t.stem for t in timers} == {
        "survey-prune", "survey-backup", "survey-verify", "survey-remind", "survey-release",
    }  # fmt: skip
    for timer in timers:
        assert (UNITS / f"{timer.stem}.service").exists()
        assert "Asia/Bangkok" in _unit(timer)["Timer"]["OnCalendar"]
        assert _unit(UNITS / f"{timer.stem}.service")["Service"]["Type"] == "oneshot"


def test_the_web_unit_reads_secrets_as_credentials_and_runs_the_committed_gunicorn_settings() -> None:
    text = (UNITS / "survey-web.service").read_text()
    assert "gunicorn -c python:survey_app.gunicorn_conf wsgi:app" in text
    assert "Environment=SURVEY_SECRET_KEY_FILE=%d/secret_key" in text
    assert "LoadCredential=secret_key:" in text and "SURVEY_SECRET_KEY=" not in text.replace("_FILE=", "")
    assert "Environment=PROMETHEUS_MULTIPROC_DIR=/run/survey-metrics" in text


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("checking the units needs systemd-analyze (Debian package systemd)")
    for path in UNITS.iterdir():
        text = (
            path.read_text()
            .replace("/opt/survey/venv/bin", str(VENV_BIN))
            .replace("/opt/survey/app", str(ROOT))
        )
        (tmp_path / path.name).write_text(text)
    done = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_master_freezes_its_objects_before_forking_a_worker() -> None:
    import gc

    from survey_app import gunicorn_conf

    gc.unfreeze()
    try:
        gunicorn_conf.pre_fork(None, None)  # type: ignore[no-untyped-call]
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
