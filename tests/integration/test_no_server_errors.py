"""Property: no route answers 5xx to any value in any path segment, query argument or form field, whoever asks.

Hypothesis draws a route of the application's own URL map (so a new route is covered the day it is added), a role
(anonymous, admin, office, viewer), hostile values for the route's path arguments (NUL bytes, huge and negative
numbers, SQL and HTML fragments, long and non-Latin text) and random query and form fields named as the views
read them. CSRF is off so the forms reach their views. A 5xx fails the test with the request that caused it.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from tests import survey_helpers

from .staff_data import OWN, PASSWORD, make_user

store = survey_helpers.store
open_cycle = survey_helpers.open_cycle

ROLES = ("anonymous", "admin", "office", "viewer")
# Routes that end the test's own sessions are left out: they would turn every later request anonymous.
SKIPPED_ENDPOINTS = {"static", "staff.logout", "staff.sessions_end_all", "staff.accounts_sign_out",
                     "staff.accounts_reset_two_step"}  # fmt: skip
QUERY_NAMES = ["cycle", "page", "before", "office", "action", "actor", "lang", "next", "region", "adequacy", "band",
               "progress", "sort", "q", "dir", "exclude_flagged", "format"]  # fmt: skip
FORM_NAMES = ["email", "password", "current", "new", "confirm", "code", "fiscal_year", "questionnaire", "opens_on",
              "closes_on", "min_sample", "sampling_method", "margin_percent", "confidence", "type_floor", "audience",
              "valid_rows_only", "respondent_type", "service", "suggestion", "nonce", "lang", "E1_1", "E4_1",
              "served-individual-factory_licensing", "otp", "recovery"]  # fmt: skip
HOSTILE = [
    "\x00", "a\x00b", "99999999999999999999", "2147483648", "-1", "0", "1e309", "NaN", "%", "%00", "' OR 1=1 --",
    "<script>alert(1)</script>", "../../etc/passwd", "๑๒๓", "สำนักงาน", " ", "", "x" * 3000, "EIT-2570", OWN, "12",
    "\u202e", "\r\nSet-Cookie: a=b", "//evil.example", "2026-02-30", "9" * 400,
]  # fmt: skip
numbers = st.integers(min_value=-(10**25), max_value=10**25).map(str)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
hostile = st.sampled_from(HOSTILE)
values = st.one_of(hostile, hostile, hostile, numbers, text)  # mostly the known-hostile values
ARG_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def _routes(app) -> list[tuple[Rule, str]]:  # type: ignore[no-untyped-def]
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule, method))
    return routes


def _path(rule: Rule, draw: st.DrawFn) -> str:
    def segment(match: re.Match[str]) -> str:
        return quote(draw(values), safe="")

    return ARG_RE.sub(segment, rule.rule)


@pytest.mark.slow
def test_no_route_answers_5xx_to_hostile_values_whatever_the_role(
    make_app, session, store, open_cycle
) -> None:
    app = make_app(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False, LOGIN_RATE_LIMIT="10000 per minute",
                   SUBMIT_RATE_LIMIT="10000 per minute")  # fmt: skip
    survey_helpers.poster_link(store, open_cycle)
    clients = {"anonymous": app.test_client()}
    for role in ROLES[1:]:
        user = make_user(session, role, OWN if role == "office" else None)
        clients[role] = app.test_client()
        signed_in = clients[role].post("/staff/login", data={"email": user.email, "password": PASSWORD})
        assert signed_in.status_code == 302
    routes = _routes(app)

    for rule, method in routes:
        for role in ROLES:
            _check(clients[role], rule, method, role)


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def _check(client, rule: Rule, method: str, role: str, data: st.DataObject) -> None:  # type: ignore[no-untyped-def]
    """One route, one role: random path arguments, query (every name the views read, each present or not) and
    form."""
    path = _path(rule, data.draw)
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), values, min_size=1), label="query")
    form = data.draw(st.dictionaries(st.sampled_from(FORM_NAMES), values, min_size=1), label="form")
    if method == "GET":
        response = client.get(path, query_string=query)
    else:
        response = client.post(path, query_string=query, data=form)
    assert response.status_code < 500, f"{method} {path} {query} {form} as {role}: {response.status_code}"
