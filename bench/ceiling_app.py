"""The two bare-Flask ceilings of bench/intake.py, served by gunicorn with the product's settings.

    gunicorn -c python:survey_app.gunicorn_conf bench.ceiling_app:app

``GET /bare`` returns a page of ``BENCH_PAGE_BYTES`` bytes (the survey page's size); ``GET /query`` first reads one
office row with SQLAlchemy Core from ``BENCH_DATABASE_URL`` (an engine made as the product makes its own), then
returns the same page. Nothing else: no session, no template, no extension.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask

from survey_app.db import make_engine

app = Flask(__name__)
_PAGE = "x" * int(os.environ.get("BENCH_PAGE_BYTES", "22000"))
_engine = make_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite://"))  # the product's engine settings
_office = sa.table("office", sa.column("code"), sa.column("name_th"))
_one_row = sa.select(_office.c.code, _office.c.name_th).where(_office.c.code == sa.bindparam("code"))


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
