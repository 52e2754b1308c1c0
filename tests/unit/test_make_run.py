"""``make run PORT=…`` gives the app the base URL of the port it serves on (links, posters and emails use it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(*args: str, env: dict[str, str] | None = None) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    environ = {k: v for k, v in os.environ.items() if k != "SURVEY_BASE_URL"} | (env or {})
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_make_run_port_reaches_the_base_url_the_server_gets() -> None:
    plan = _dry_run("PORT=5301")
    serve = [line for line in plan.splitlines() if "flask --app wsgi run" in line]
    assert serve == [
        "SURVEY_BASE_URL='http://127.0.0.1:5301' .venv/bin/flask --app wsgi run --host 127.0.0.1 --port 5301"
    ]
    assert "Staff sign-in: http://127.0.0.1:5301/staff/login" in plan


def test_make_run_keeps_a_base_url_set_outright() -> None:
    plan = _dry_run("PORT=5301", env={"SURVEY_BASE_URL": "https://eit.example.go.th"})
    assert "SURVEY_BASE_URL='https://eit.example.go.th' .venv/bin/flask" in plan
    assert "5000" not in plan
