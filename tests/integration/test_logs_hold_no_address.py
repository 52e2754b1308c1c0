"""No client address in any log line: the survey and staff tests are run in a pytest of their own that writes every
log record (the app's, werkzeug's request log, Flask-Limiter's, SQLAlchemy's, at INFO and above) to a file, and
every line of that file is read. The run includes refused rate limits, failed sign-ins, bad links and submissions
made with forged ``X-Forwarded-For`` headers and documentation addresses (RFC 5737, RFC 3849)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITES = (
    "tests/integration/test_survey_ratelimit.py",
    "tests/integration/test_survey_form.py",
    "tests/integration/test_survey_links.py",
    "tests/integration/test_survey_anonymity.py",
    "tests/integration/test_survey_logs.py",
    "tests/integration/test_staff_auth.py",
    "tests/integration/test_staff_routes.py",
)
# Written here, independently of survey_app.logfilter: dotted quads, and IPv6 with "::" or seven colons.
ADDRESS = re.compile(
    r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])|(?<![\w:])[0-9a-fA-F]{0,4}::[0-9a-fA-F:]*(?![\w:])"
    r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
)


def test_every_log_line_of_the_survey_and_staff_tests_is_free_of_client_addresses(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SURVEY_TEST_DATABASE_URL", "SURVEY_REQUIRE_SERVICES")
    }
    command = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
        "-k", "(sqlite or not postgresql) and not redis",
        f"--log-file={log}", "--log-file-level=INFO", "--log-file-format=%(name)s %(levelname)s %(message)s",
        *SUITES,
    ]  # fmt: skip
    run = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    lines = log.read_text(encoding="utf-8").splitlines()
    # The run did write the kinds of lines that used to carry an address.
    assert any(line.startswith("werkzeug INFO") and '"GET /s/[token]' in line for line in lines)
    assert any(line.startswith("flask-limiter INFO") and "exceeded" in line for line in lines)
    offenders = [line for line in lines if ADDRESS.search(line)]
    assert not offenders, "\n".join(offenders[:20])
