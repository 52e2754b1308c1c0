"""Staff pages behind a login: accounts, dashboards, links and posters, invitations, results, exports."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from . import auth, views  # noqa: E402,F401  (registers the views on bp)
