"""Every registered staff route, walked with every role and with an anonymous client.

The routes come from ``app.url_map`` at run time, so routes other features add later are walked too. Each route
has an expected outcome per role: from the table below when it is listed, else by the default rule

* anonymous: 302 to the sign-in page (any method);
* GET: admin, viewer and an office user on their own office 200; an office user on another office 404;
* POST (with a valid CSRF token and an empty form): admin and an office user on their own office are not refused
  (any of 200, 302, 400, 409); a viewer 403; an office user on another office 404.

Route parameters are filled with the office user's own office (``11``) or another office (``12``); other
parameters take the values in ``PARAMS``. An office user on "another office" who still gets 200 anywhere fails.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from werkzeug.routing import Rule

from survey_app import create_app
from survey_app.clock import local_today
from survey_app.models import Cycle
from tests.helpers import csrf_token, login

from .staff_data import OTHER, OWN, PASSWORD, Spec, add_responses, isolate_requests, make_user


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames:
        isolate_requests(request.getfixturevalue("app"))


ROLES = ("anonymous", "admin", "viewer", "office_own", "office_other")
ALLOWED = {200, 302, 400, 409}
DRAFT = "EIT-DRAFT"


@dataclass(frozen=True)
class Expect:
    """Outcome per role: an int status, ``"login"`` (302 to sign-in), ``"allowed"`` (not refused) or None (skip)."""

    anonymous: object = "login"
    admin: object = 200
    viewer: object = 200
    office_own: object = 200
    office_other: object = 404


SIGN_IN_AGAIN: dict[str, object] = {
    "admin": "login",
    "viewer": "login",
    "office_own": "login",
    "office_other": None,
}
# Endpoints whose outcomes differ from the default rule, per method.
TABLE: dict[tuple[str, str], Expect] = {
    ("staff.login", "GET"): Expect(anonymous=200, admin=302, viewer=302, office_own=302, office_other=None),
    ("staff.login", "POST"): Expect(anonymous=400, admin=302, viewer=302, office_own=302, office_other=None),
    ("staff.logout", "POST"): Expect(admin="login", viewer="login", office_own="login", office_other=None),
    # Without a right password first, the code step sends everyone back to sign in.
    ("staff.sign_in_code", "GET"): Expect(**SIGN_IN_AGAIN),
    ("staff.sign_in_code", "POST"): Expect(**SIGN_IN_AGAIN),
    ("staff.two_step_page", "GET"): Expect(office_other=None),
    ("staff.two_step_page", "POST"): Expect(admin=400, viewer=400, office_own=400, office_other=None),
    ("staff.accounts_index", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    # No account 999999: the admin gets 404 (signing the walking admin out would end the walk).
    ("staff.accounts_sign_out", "POST"): Expect(admin=404, viewer=403, office_own=403, office_other=None),
    ("staff.accounts_reset_two_step", "POST"): Expect(
        admin=404, viewer=403, office_own=403, office_other=None
    ),
    # Accounts in the browser (issue 22): admins only; no account 999999, so the admin's edits find nothing.
    ("staff.accounts_new", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.accounts_new", "POST"): Expect(admin=400, viewer=403, office_own=403, office_other=None),
    ("staff.accounts_edit", "GET"): Expect(admin=404, viewer=403, office_own=403, office_other=None),
    ("staff.accounts_edit", "POST"): Expect(admin=404, viewer=403, office_own=403, office_other=None),
    ("staff.accounts_active", "POST"): Expect(admin=404, viewer=403, office_own=403, office_other=None),
    ("staff.sessions_end_all", "POST"): Expect(
        admin="login", viewer="login", office_own="login", office_other=None
    ),
    ("staff.password", "GET"): Expect(office_other=None),
    ("staff.password", "POST"): Expect(admin=400, viewer=400, office_own=400, office_other=None),
    ("staff.index", "GET"): Expect(office_own=302, office_other=None),
    ("staff.national_live", "GET"): Expect(office_own=403, office_other=None),
    ("staff.export_csv", "GET"): Expect(office_own=403, office_other=None),
    ("staff.export_json", "GET"): Expect(office_own=403, office_other=None),
    ("staff.cycles_index", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.cycle_new", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.cycle_new", "POST"): Expect(admin=400, viewer=403, office_own=403, office_other=None),
    ("staff.cycle_edit", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.cycle_edit", "POST"): Expect(admin=400, viewer=403, office_own=403, office_other=None),
    ("staff.cycle_open", "POST"): Expect(admin=409, viewer=403, office_own=403, office_other=None),
    ("staff.cycle_close", "POST"): Expect(admin=409, viewer=403, office_own=403, office_other=None),
    ("staff.cycle_close_confirm", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.audit_log", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    # Office users are not told the integrity page exists (they could learn to dodge its signals).
    ("staff.integrity_page", "GET"): Expect(office_own=404, office_other=None),
    ("staff.office_frame_save", "POST"): Expect(admin=302, viewer=403, office_own=302),
    ("staff.office_frame_import", "POST"): Expect(admin=400, viewer=403, office_own=400),
    # Suggestion themes are national: admins name them, office staff and viewers read them.
    ("staff.suggestion_theme_add", "POST"): Expect(
        admin="allowed", viewer=403, office_own=403, office_other=None
    ),
    # Poster links: link 1 does not exist in the arranged data (tests/integration/test_staff_links.py has them).
    ("staff.office_links_revoke", "POST"): Expect(admin=404, viewer=403, office_own=404),
    ("staff.office_links_reissue", "POST"): Expect(admin=404, viewer=403, office_own=404),
    ("staff.office_links_qr", "GET"): Expect(admin=404, viewer=404, office_own=404),
    ("staff.office_links_poster", "GET"): Expect(admin=404, viewer=404, office_own=404),
    ("staff.all_posters", "POST"): Expect(admin=200, viewer=403, office_own=403, office_other=None),
    # Improvement (issue 13): plans, official results, changes, national XLSX and microdata are not an office's.
    ("staff.office_plan_status", "POST"): Expect(admin=404, viewer=403, office_own=404),  # no measure 999999
    ("staff.all_plans", "GET"): Expect(office_own=403, office_other=None),
    ("staff.official_results", "GET"): Expect(viewer=403, office_own=403, office_other=None),
    ("staff.official_import", "POST"): Expect(admin=400, viewer=403, office_own=403, office_other=None),
    # No signed preview of valid rows in the post: refused, nothing imported.
    ("staff.official_import_valid_rows", "POST"): Expect(
        admin=400, viewer=403, office_own=403, office_other=None
    ),
    ("staff.office_changes", "GET"): Expect(office_own=403, office_other=None),
    ("staff.export_xlsx", "GET"): Expect(office_own=403, office_other=None),
    # <kind> is "citizen" here: neither a report nor a microdata format, so 404 where the role may ask at all.
    ("staff.office_report", "GET"): Expect(admin=404, viewer=404, office_own=404),
    ("staff.microdata_export", "GET"): Expect(admin=404, viewer=403, office_own=403, office_other=None),
    ("staff.microdata_codebook", "GET"): Expect(viewer=403, office_own=403, office_other=None),
}
DEFAULT_POST = Expect(admin="allowed", viewer=403, office_own="allowed", office_other=404)

# Values for route parameters that are not an office code (other features' routes included).
PARAMS = {"audience": "citizen", "kind": "citizen", "fmt": "pdf", "format": "pdf", "version": "1", "id": "1",
          "link_id": "1", "user_id": "999999", "measure_id": "999999"}  # fmt: skip
CYCLE_ENDPOINTS = {"staff.cycle_edit", "staff.cycle_open", "staff.cycle_close", "staff.cycle_close_confirm"}
OFFICE_PARAMS = {"code", "office", "office_code"}
# Query strings that make a route act on an office (the JSON API takes the office as a parameter).
QUERY = {"staff.api_results": "office={office}"}


def staff_rules() -> list[tuple[Rule, str]]:
    """(rule, method) for every staff route, from an app built only to read its URL map."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    pairs = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or rule.endpoint == "staff.static":
            continue
        pairs += [(rule, method) for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: (pair[0].rule, pair[1]))


RULES = staff_rules()


def build_url(rule: Rule, office: str) -> str:
    values = {}
    for name in rule.arguments:
        if rule.endpoint in CYCLE_ENDPOINTS and name == "code":
            values[name] = DRAFT
        elif name in OFFICE_PARAMS:
            values[name] = office
        else:
            assert name in PARAMS, f"{rule.rule}: add a value for <{name}> to PARAMS"
            values[name] = PARAMS[name]
    url = rule.build(values, append_unknown=False)[1]  # type: ignore[index]
    query = QUERY.get(rule.endpoint)
    return url + ("?" + query.format(office=office) if query else "")


def expected(rule: Rule, method: str, role: str) -> object:
    entry = TABLE.get((rule.endpoint, method)) or (DEFAULT_POST if method == "POST" else Expect())
    outcome = getattr(entry, role)
    has_office = bool(OFFICE_PARAMS & set(rule.arguments)) or rule.endpoint in QUERY
    if role == "office_other" and not has_office:
        return None
    return outcome


def check(response, outcome: object, where: str) -> None:  # type: ignore[no-untyped-def]
    status = response.status_code
    if outcome == "login":
        assert status == 302 and "/staff/login" in response.headers["Location"], f"{where}: {status}"
    elif outcome == "allowed":
        assert status in ALLOWED, f"{where}: {status}"
    else:
        assert status == outcome, f"{where}: expected {outcome}, got {status}"


@pytest.fixture
def arranged(app, session, cycle, questionnaire):  # type: ignore[no-untyped-def]
    """Users of every role, responses in both offices and a draft cycle."""
    for office in (OWN, OTHER):
        add_responses(session, cycle, questionnaire, office, [Spec(days_ago=d % 9) for d in range(7)])
    today = local_today()
    draft = Cycle(code=DRAFT, fiscal_year=2600, questionnaire_id=questionnaire.id, opens_on=today, closes_on=today,
                  questionnaire_version=questionnaire.version, state="draft")  # fmt: skip
    session.add(draft)
    session.commit()
    return {
        "admin": make_user(session, "admin"),
        "viewer": make_user(session, "viewer"),
        "office": make_user(session, "office", OWN),
    }


def test_the_walk_covers_every_staff_feature_of_this_issue() -> None:
    endpoints = {rule.endpoint for rule, _method in RULES}
    mine = {endpoint for endpoint, _method in TABLE} | {
        "staff.office_dashboard", "staff.office_live", "staff.office_frame", "staff.office_frame_csv",
        "staff.api_results",
    }  # fmt: skip
    assert mine <= endpoints


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_route_answers_each_role_as_expected(app, arranged, role: str) -> None:
    client = app.test_client()
    if role != "anonymous":
        user = arranged["office" if role.startswith("office") else role]
        assert login(client, user.email, PASSWORD).status_code == 302
    office = OTHER if role == "office_other" else OWN
    token = csrf_token(client.get("/staff/password" if role != "anonymous" else "/staff/login").text)
    checked = 0
    for rule, method in RULES:
        outcome = expected(rule, method, role)
        if outcome is None:
            continue
        url = build_url(rule, office)
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        check(response, outcome, f"{role} {method} {url}")
        assert response.status_code < 500
        checked += 1
        if rule.endpoint in ("staff.logout", "staff.sessions_end_all") and role != "anonymous":
            user = arranged["office" if role.startswith("office") else role]
            assert login(client, user.email, PASSWORD).status_code == 302
            token = csrf_token(client.get("/staff/password").text)
    assert checked >= (6 if role == "office_other" else 20)


def test_an_office_user_never_gets_another_offices_page_data_or_export(app, arranged) -> None:
    client = app.test_client()
    assert login(client, arranged["office"].email, PASSWORD).status_code == 302
    for rule, method in RULES:
        if method != "GET" or not (OFFICE_PARAMS & set(rule.arguments) or rule.endpoint in QUERY):
            continue
        response = client.get(build_url(rule, OTHER))
        assert response.status_code in (403, 404), rule.rule
        assert "นนทบุรี" not in response.text and "Nonthaburi" not in response.text, rule.rule
