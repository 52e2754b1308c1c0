"""gunicorn settings for production: ``gunicorn -c python:survey_app.gunicorn_conf wsgi:app``.

Every value can be overridden with the usual GUNICORN_CMD_ARGS or SURVEY_* variables below. Access logs use a
format without the query string and without the path's token (see ``survey_app.web.logfilter``).
"""

import gc
import multiprocessing
import os
import tempfile

from survey_app.web.accesslog import ACCESS_LOG_FORMAT

bind = os.environ.get("SURVEY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SURVEY_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("SURVEY_THREADS", "2"))
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# Import the application once, in the master, and fork the workers from it. Importing it costs about 2 s of CPU;
# without preloading every worker paid that again at each max_requests restart (every 2,000 requests), about 1 ms
# a request at full load (bench/intake.py). Safe because create_app() opens no connection (database pools and
# Redis clients connect lazily, in each worker).
preload_app = True
forwarded_allow_ips = os.environ.get("SURVEY_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
# No client address, user agent or referrer (survey_app/web/accesslog.py says why); the logger class writes this
# format's five fields without gunicorn's dictionary of every atom (about 40 µs a request).
access_log_format = ACCESS_LOG_FORMAT
logger_class = "survey_app.web.accesslog.AccessLogger"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"tokens": {"()": "survey_app.web.logfilter.TokenFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["tokens"], "stream": "ext://sys.stderr"},
        "access": {"class": "logging.StreamHandler", "filters": ["tokens"], "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
}

# Prometheus metrics (survey_app/monitoring/), off unless SURVEY_METRICS_BIND names an address. The workers count
# into files in PROMETHEUS_MULTIPROC_DIR (a private temporary directory when unset), which must be set before
# prometheus_client is first imported (here, before the app is), and emptied of an earlier run's files.
metrics_bind = os.environ.get("SURVEY_METRICS_BIND", "")
if metrics_bind:
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="survey-metrics-")
    os.makedirs(metrics_dir, mode=0o700, exist_ok=True)
    for stale in os.listdir(metrics_dir):
        if stale.endswith(".db"):
            os.remove(os.path.join(metrics_dir, stale))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir


def pre_fork(_server, _worker):  # type: ignore[no-untyped-def]
    """Before each worker is forked from the preloaded master, move every object the master holds (the imported
    application: modules, classes, templates, catalogues) out of the cyclic garbage collector's reach. They live as
    long as the worker, yet each full collection in a worker walked them all: a quarter of an office page's
    instructions (callgrind, 130 → 88 million per request with the objects frozen). As the Python documentation
    advises for forking servers; it also keeps the workers from writing to the pages they share with the master."""
    gc.freeze()


def when_ready(server):  # type: ignore[no-untyped-def]
    """Serve the workers' summed metrics from the master, on the operator's address (not the public site)."""
    if metrics_bind:
        from survey_app.monitoring import exporter

        exporter.serve(metrics_bind, server.app.wsgi().config["DATABASE_URL"])


def child_exit(_server, worker):  # type: ignore[no-untyped-def]
    """Drop a finished worker's live gauges (its counters keep counting in the sum)."""
    if metrics_bind:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
