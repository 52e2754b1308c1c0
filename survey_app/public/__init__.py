"""Public pages: the landing page, the health check and (see ``survey.py``) the survey respondents answer."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import kiosk, optout, results, routes, shortcode, survey  # noqa: E402,F401  (registers the views on bp)
