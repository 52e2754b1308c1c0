"""WSGI entry point for gunicorn: ``gunicorn -c python:survey_app.gunicorn_conf wsgi:app``."""

from survey_app import create_app

app = create_app()
