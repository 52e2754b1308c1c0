"""Real servers for the deployment tests: gunicorn with the committed settings (``survey_app/gunicorn_conf.py``) and
the Debian nginx with the committed site (``docs/deploy/nginx/survey.conf``), each a child process on loopback high
ports, stopped at the end. Missing programs skip the test (a failure under SURVEY_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "docs" / "deploy" / "nginx" / "survey.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SECRET = "deploy-test-secret-key-not-for-production"
LINK_KEY = "deploy-test-link-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    """Wait until something accepts connections on ``port``; fail with the process's log if it died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on port {port} within {seconds} s:\n{log.read_text()[-3000:]}")


class Server:
    """A child process with its output in a log file; stopped with SIGTERM (then SIGKILL) by :meth:`stop`."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        self._out = log.open("wb")
        self.process = subprocess.Popen(
            command, stdout=self._out, stderr=subprocess.STDOUT, env=env, cwd=ROOT
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._out.close()

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text(errors="replace")


def gunicorn(tmp: Path, name: str, port: int, env: dict[str, str], wait: bool = True) -> Server:
    """gunicorn with the committed settings on 127.0.0.1:``port``; ``env`` adds SURVEY_* settings. Unless ``wait``
    is False, returns once it accepts connections."""
    binary = Path(sys.executable).with_name("gunicorn")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")},
        "SURVEY_SECRET_KEY": SECRET,
        "SURVEY_LINK_KEYS": LINK_KEY,
        "SURVEY_BIND": f"127.0.0.1:{port}",
        "SURVEY_WORKERS": "1",
        "SURVEY_THREADS": "4",
        # Batches release at their K-th submission, as in the other tests (tests/conftest.py); a test of the
        # daily schedule passes its own.
        "SURVEY_RELEASE_SCHEDULE": "at_k",
        **env,
    }
    server = Server(
        [str(binary), "-c", "python:survey_app.gunicorn_conf", "wsgi:app"], tmp / f"{name}.log", environment
    )
    if wait:
        wait_for_port(port, server.process, server.log)
    return server


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, made with openssl; returns (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the nginx test needs openssl to make a certificate (Debian package openssl)")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def nginx_site(upstream: int, http_port: int, https_port: int, cert: Path, key: Path, logs: Path) -> str:
    """The committed site with its addresses and paths replaced by the test's (each must be found)."""
    site = SITE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;\n": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/survey/fullchain.pem": str(cert),
        "/etc/ssl/survey/privkey.pem": str(key),
        "/var/log/nginx/survey-error.log": str(logs / "survey-error.log"),
        "/opt/survey/app/survey_app/static/": f"{ROOT / 'survey_app' / 'static'}/",
    }
    for old, new in replacements.items():
        assert old in site, f"{SITE.name} no longer holds {old!r}: update the test's substitutions"
        site = site.replace(old, new)
    return site


def nginx(tmp: Path, upstream: int, http_port: int, https_port: int) -> tuple[Server, Path]:
    """The Debian nginx serving the committed site in front of ``upstream``; returns it and the certificate."""
    if not os.path.exists(NGINX):
        pytest.skip(f"the deployment test needs nginx at {NGINX} (Debian package nginx)")
    prefix = tmp / "nginx"
    prefix.mkdir()
    cert, key = self_signed_certificate(prefix)
    (prefix / "site.conf").write_text(nginx_site(upstream, http_port, https_port, cert, key, prefix))
    temps = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = (
        "user root;\n" if os.geteuid() == 0 else ""
    )  # workers keep the test's user, who can read the checkout
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 128; }}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n{temps}\n"
        f"    include {prefix / 'site.conf'};\n}}\n"
    )
    command = [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert checked.returncode == 0, checked.stderr
    server = Server(command, prefix / "stdout.log")
    wait_for_port(https_port, server.process, prefix / "error.log")
    return server, cert


def https(
    port: int,
    cert: Path,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request over TLS from the loopback address ``source`` (another 127.x address is another client)."""
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection(
        "127.0.0.1", port, context=context, timeout=30, source_address=(source, 0)
    )
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        conn.close()


def plain(
    port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One plain HTTP request to 127.0.0.1:``port`` (straight to gunicorn, or to the metrics address)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, answer.headers, answer.read()
    finally:
        conn.close()


def cookies_of(headers: http.client.HTTPMessage) -> str:
    """A Cookie header value holding every cookie ``headers`` set."""
    return "; ".join(c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or [])
