#!/usr/bin/env bash
# The pytest part of `make test` (pytest-xdist -n 2, --frozen-pass) on a sample of seven staff and survey modules,
# once per checkout given, one after the other (so they see the same minutes of the machine's load); prints seconds,
# pytest's summary line and the load average before and after each run.
#
#   bash bench/ci_sample.sh CHECKOUT [CHECKOUT ...]
#
# Each checkout runs with its own .venv. Uses SURVEY_TEST_DATABASE_URL and SURVEY_TEST_REDIS_URL (the second worker
# uses the next Redis database number); sets SURVEY_REQUIRE_SERVICES=1.
set -uo pipefail
export SURVEY_REQUIRE_SERVICES=1
sample=(tests/integration/test_staff_dashboard.py tests/integration/test_staff_national.py
  tests/integration/test_survey_form.py tests/integration/test_staff_frames.py tests/integration/test_staff_auth.py
  tests/integration/test_snapshots.py tests/integration/test_office_summary.py)
for checkout in "$@"; do
  cd "$checkout" || exit 1
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  summary=$(.venv/bin/python -m pytest -p no:cacheprovider -q -n 2 --dist worksteal --frozen-pass "${sample[@]}" 2>&1 | tail -1)
  echo "$checkout: $(echo "$(date +%s.%N) - $start" | bc | cut -d. -f1) s, $summary, load $load → $(cut -d' ' -f1 /proc/loadavg)"
done
