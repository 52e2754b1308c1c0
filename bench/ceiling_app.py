"""The bare-Flask ceilings of bench/intake.py, served by gunicorn with the product's settings.

    gunicorn -c python:survey_app.gunicorn_conf bench.ceiling_app:app

``GET /bare`` returns a page of ``BENCH_PAGE_BYTES`` bytes (the survey page's size); ``GET /query`` first reads one
office row with SQLAlchemy Core from ``BENCH_DATABASE_URL`` (an engine made as the product makes its own), then
returns the same page. Nothing else: no session, no template, no extension.

``/submit`` is the least a complete submission can cost in Flask on the same database, for ``bench/wrk/submit.lua``:
``GET /submit`` reads one row and returns the page with two random hidden values (``csrf_token``, ``nonce``) and a
cookie; ``POST /submit`` reads the posted form, then in one transaction inserts one row into ``ceiling_response`` and
one row per answer into ``ceiling_answer`` (an executemany, as the product does) and answers 303;
``GET /submit/thanks`` returns a short page. No check, no token, no rate limit, no rollup: what is left is the
framework, the driver and the database's own work, so the product's submission can be compared with it.
"""

from __future__ import annotations

import os
import secrets
import uuid

import sqlalchemy as sa
from flask import Flask, redirect, request
from werkzeug.wrappers import Response

from survey_app.db import make_engine

app = Flask(__name__)
_PAGE = "x" * int(os.environ.get("BENCH_PAGE_BYTES", "22000"))
_engine = make_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite://"))  # the product's engine settings
_office = sa.table("office", sa.column("code"), sa.column("name_th"))
_one_row = sa.select(_office.c.code, _office.c.name_th).where(_office.c.code == sa.bindparam("code"))

_tables = sa.MetaData()
_response = sa.Table(
    "ceiling_response",
    _tables,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("office_code", sa.String(2), nullable=False),
)
_answer = sa.Table(
    "ceiling_answer",
    _tables,
    sa.Column("response_id", sa.String(36), primary_key=True),
    sa.Column("item", sa.String(8), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)
_tables.create_all(_engine)
_engine.dispose()  # gunicorn imports this in its master (preload_app): no connection may cross the fork


@app.get("/bare")
def bare() -> str:
    """The page, nothing else."""
    return _PAGE


@app.get("/query")
def query() -> str:
    """One row read with SQLAlchemy Core, then the page."""
    with _engine.connect() as conn:
        conn.execute(_one_row, {"code": "50"}).one()
    return _PAGE


@app.get("/submit")
def submit_form() -> Response:
    """One row read, then the page with two random hidden values and a cookie, like a new visitor's form."""
    with _engine.connect() as conn:
        conn.execute(_one_row, {"code": "50"}).one()
    hidden = "".join(
        f'<input name="{name}" type="hidden" value="{secrets.token_urlsafe(24)}">'
        for name in ("csrf_token", "nonce")
    )
    response = Response(hidden + _PAGE, mimetype="text/html")
    response.set_cookie("session", secrets.token_urlsafe(24), httponly=True, samesite="Lax")
    return response


@app.post("/submit")
def submit_post() -> Response:
    """The posted answers stored in one transaction (a response row and one row per answer), then 303."""
    response_id = str(uuid.uuid4())
    answers = [
        {"response_id": response_id, "item": name, "value": int(value)}
        for name, value in request.form.items()
        if name[:1] == "E" and value.isdigit()
    ]
    with _engine.begin() as conn:
        conn.execute(_response.insert(), [{"id": response_id, "office_code": "50"}])
        conn.execute(_answer.insert(), answers)
    return redirect("/submit/thanks", code=303)


@app.get("/submit/thanks")
def submit_thanks() -> str:
    """A short page."""
    return "<p>thanks</p>"
