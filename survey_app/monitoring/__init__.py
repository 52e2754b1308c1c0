"""Monitoring: Prometheus metrics that hold no personal data, and optional JSON request logs.

Off by default. ``SURVEY_METRICS_BIND=127.0.0.1:9464`` turns them on under gunicorn: every worker counts into
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode; ``gunicorn_conf.py`` makes a private
directory when the variable is unset and empties it at start), and the gunicorn master serves their sum at
``http://SURVEY_METRICS_BIND/metrics``, an address the operator chooses and keeps off the public site.

What is counted:

- ``survey_http_requests_total`` (route *template* such as ``/s/<token>``, never the URL; method; status) and
  ``survey_http_request_duration_seconds`` (route template);
- ``survey_submissions_total`` (outcome ``stored`` or ``refused``; reason, a fixed word);
- ``survey_batches_released_total`` and ``survey_responses_released_total``;
- ``survey_ratelimit_degraded`` (1 while a process counts limits in memory because Redis does not answer);
- ``survey_database_errors_total``;
- ``survey_mail_messages`` (state: ``queued``, ``sending``, ``sent``, ``failed``, ``cancelled``), counted in the
  database at each scrape.

No label or value is taken from what a person sent or from the database's rows: routes are the application's own
templates, reasons and states are fixed words, so no token, address, email or name can appear
(``tests/integration/test_metrics.py`` checks a real scrape).

``counters`` holds the metrics and the calls that count (no Flask: services count releases with them),
``requests`` the per-request hooks and JSON logs, ``exporter`` what the gunicorn master serves.

``SURVEY_JSON_LOGS=1`` writes one JSON line per request to the ``survey_app.requests`` logger: route template,
method, status, duration and a request id (also sent back as ``X-Request-Id``); the log filter
(``logfilter.py``) redacts it like every other record.
"""
