#!/usr/bin/env bash
# The pytest part of `make test` on a 10 % sample of the suite, before and after a change, one after the other (so both
# see the same minutes of the machine's load); prints seconds and the load average around each run.
#
#   bash bench/ci_timing.sh BEFORE_CHECKOUT [AFTER_CHECKOUT]
#
# BEFORE runs the way make test did until issue 21 (pytest, then `-m dates` with the clock at 23:30 UTC in a second
# process); AFTER runs the way make test does now (one run, pytest-xdist, --frozen-pass), then the same serially.
# Uses this checkout's .venv, SURVEY_TEST_DATABASE_URL and SURVEY_TEST_REDIS_URL (AFTER with -n 2 also uses the next
# Redis database number), and SURVEY_REQUIRE_SERVICES=1.
set -uo pipefail
before=$(cd "$1" && pwd)
after=$(cd "${2:-$(dirname "$0")/..}" && pwd)
py="$(cd "$(dirname "$0")/.." && pwd)/.venv/bin/python"
sample=(tests/integration/test_staff_national.py tests/integration/test_staff_cycles.py
  tests/integration/test_survey_browser.py tests/integration/test_survey_ratelimit.py
  tests/integration/test_staff_auth.py tests/unit/test_config.py)
export SURVEY_REQUIRE_SERVICES=1
timed() {
  local label=$1 start
  shift
  start=$(date +%s.%N)
  echo "== $label: load before $(cut -d' ' -f1-3 /proc/loadavg)"
  "$@" 2>&1 | tail -1
  echo "== $label: $(echo "$(date +%s.%N) - $start" | bc) s, load after $(cut -d' ' -f1-3 /proc/loadavg)"
}
cd "$before" || exit 1
timed before-pass-1 "$py" -m pytest -p no:cacheprovider -q "${sample[@]}"
timed before-pass-2 env SURVEY_TEST_FREEZE_UTC="$(date -u +%Y-%m-%d)T23:30:00" \
  "$py" -m pytest -p no:cacheprovider -q -m dates "${sample[@]}"
cd "$after" || exit 1
timed after-n2 "$py" -m pytest -p no:cacheprovider -q -n 2 --dist worksteal --frozen-pass "${sample[@]}"
timed after-n0 "$py" -m pytest -p no:cacheprovider -q --frozen-pass "${sample[@]}"
