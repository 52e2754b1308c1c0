"""The attacks of issue 9, played against two databases that differ only in what one citizen answered and in which
business answered: every staff page, API answer and export is byte-identical (CSRF tokens and generation times
masked) until the K-th new response, and at the K-th the results move, with no scheduled job.

Each twin is a real database (SQLite file or PostgreSQL database, migrated with the real migrations), served by
its own app; invitations and reminders go through the real mail worker to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from survey_app import migrate as migrations
from survey_app.db import make_engine
from survey_app.models import Invitation
from survey_app.questionnaire import Questionnaire
from survey_app.services.cycles import seeding
from survey_app.services.outreach import contacts, outbox
from survey_app.services.outreach.invitations import import_contacts
from survey_app.services.outreach.mailer import MailSettings, Worker
from tests.conftest import _load_offices, create_pg_database, drop_pg_database
from tests.helpers import login
from tests.integration.staff_data import PASSWORD, Spec, add_responses, make_user
from tests.smtp import smtp_server_fixture  # noqa: F401  (the smtp_server fixture)
from tests.survey_helpers import answers, form_data, invitation_path, poster_link, poster_path

OFFICE = "50"
K = 5
CONTACTS = ("a@factory.example", "b@factory.example", "c@factory.example")
SENT_AT = dt.datetime.now(dt.UTC).replace(microsecond=0)  # one moment for both twins' mail workers
MASKS = (
    (re.compile(r'(name="csrf_token"[^>]*value=")[^"]*'), r"\1*"),
    (re.compile(r'(value=")[^"]*("[^>]*name="csrf_token")'), r"\1*\2"),
    (re.compile(r'(<meta name="csrf-token" content=")[^"]*'), r"\1*"),
    (re.compile(r'("generated_at": ")[^"]*'), r"\1*"),
)
PAGES = (
    "/staff/",
    "/staff/?lang=en",
    f"/staff/offices/{OFFICE}",
    f"/staff/offices/{OFFICE}?lang=en",
    f"/staff/offices/{OFFICE}/invitations",
    f"/staff/offices/{OFFICE}/live.json",
    f"/staff/api/results?office={OFFICE}",
    f"/staff/api/results?office={OFFICE}&exclude_flagged=1",
    "/staff/api/results",
    "/staff/api/results?exclude_flagged=1",
    "/staff/export.csv",
    "/staff/export.json",
)


@pytest.fixture
def twin_urls(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two databases of the test's backend in the migrated, offices-loaded state."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        urls = []
        for name in ("a", "b"):
            shutil.copyfile(template, tmp_path / f"{name}.db")
            urls.append(f"sqlite:///{tmp_path / name}.db")
        yield urls[0], urls[1]
        return
    made = [create_pg_database("survey_twin") for _ in range(2)]
    try:
        for url in made:
            migrations.upgrade(url)
            _load_offices(url)
        yield made[0], made[1]
    finally:
        for url in made:
            drop_pg_database(url)


class Twin:
    """One of the two databases, its app, a signed-in admin and a session for arranging data."""

    def __init__(
        self, make_app, url: str, smtp_config: dict[str, object], questionnaire: Questionnaire
    ) -> None:  # type: ignore[no-untyped-def]
        self.app = make_app(DATABASE_URL=url, SUPPRESS_BELOW=K, **smtp_config)
        self.engine = make_engine(url)
        self.session = Session(self.engine, expire_on_commit=False)
        self.questionnaire = questionnaire
        self.cycle, _ = seeding.ensure_open_cycle(self.session, dt.date.today(), questionnaire)
        self.session.commit()
        self.poster = poster_path(self.app, poster_link(self.session, self.cycle, office=OFFICE))
        self.public = self.app.test_client()
        self.staff = self.app.test_client()

    def invite_everyone(self) -> None:
        """Import the same three contacts and deliver their invitations through the worker."""
        parsed = contacts.parse(("email,name\n" + "".join(f"{e},{e[0]}\n" for e in CONTACTS)).encode(), {})
        import_contacts(self.session, self.cycle, OFFICE, parsed)
        outbox.queue_invitations(self.session, self.cycle, OFFICE, SENT_AT)
        self.session.commit()
        assert self.deliver() == len(CONTACTS)

    def deliver(self) -> int:
        settings = MailSettings.from_config(self.app.config)
        worker = Worker(
            settings, sessionmaker(self.engine, expire_on_commit=False), name="w", clock=lambda: SENT_AT
        )
        with self.app.app_context():  # emails are composed with the app's base URL and link keys
            return worker.run_once().sent

    def remind(self) -> int:
        queued = outbox.remind(self.session, SENT_AT, after_days=0, max_reminders=1, cycle_id=self.cycle.id)
        self.session.commit()
        return queued and self.deliver()

    def answer(self, path: str, level: int) -> None:
        """Answer every item with the ``level``-th option (0 lowest, capped at the item's last option)."""
        page = self.public.get(
            path + "?new=1"
        )  # past "you have answered" (one test client answers many times)
        pick = lambda code, _sub: sorted(self.questionnaire.item(code).answer_type.values)[  # noqa: E731
            min(level, len(self.questionnaire.item(code).answer_type.values) - 1)
        ]
        data = form_data(page.text, self.questionnaire, **answers(self.questionnaire, pick))
        assert self.public.post(path, data=data).status_code == 303

    def answer_invitation(self, email: str, level: int) -> None:
        inv = self.session.scalars(select(Invitation).where(Invitation.email == email)).one()
        self.answer(invitation_path(self.app, inv), level)

    def sign_in(self) -> None:
        make_user(self.session, "admin")
        assert login(self.staff, "admin@industry.test", PASSWORD).status_code == 302

    def views(self) -> dict[str, bytes]:
        seen = {}
        for page in PAGES:
            response = self.staff.get(page)
            assert response.status_code == 200, (page, response.status_code)
            assert response.headers["Cache-Control"] == "no-store", page
            body = response.get_data(as_text=True)
            for pattern, replacement in MASKS:
                body = pattern.sub(replacement, body)
            seen[page] = body.encode()
        return seen

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()


@pytest.fixture
def twins(make_app, twin_urls, smtp_server, questionnaire) -> Iterator[tuple[Twin, Twin]]:  # type: ignore[no-untyped-def]
    pair = tuple(Twin(make_app, url, smtp_server.config(), questionnaire) for url in twin_urls)
    try:
        yield pair  # type: ignore[misc]
    finally:
        for twin in pair:
            twin.close()


def _same_history(twin: Twin) -> None:
    """What both databases share: six released responses, three invited contacts, a signed-in admin."""
    specs = [Spec(level=3)] * 3 + [Spec(level=2, rtype="business", service="mining", channel="email")] * 3
    add_responses(twin.session, twin.cycle, twin.questionnaire, OFFICE, specs)
    twin.invite_everyone()
    twin.sign_in()


def test_one_respondent_and_one_business_cannot_be_told_apart_until_k_new_responses(twins) -> None:  # type: ignore[no-untyped-def]
    a, b = twins
    for twin in twins:
        _same_history(twin)
    assert a.views() == b.views()

    # The attacks: in A business "a" answers everything at the top and a citizen at the bottom (straight-lined,
    # so flagged); in B business "b" answers, mid-scale, and the citizen at the top. Then a reminder round, which
    # skips whoever answered.
    a.answer_invitation(CONTACTS[0], level=3)
    b.answer_invitation(CONTACTS[1], level=1)
    a.answer(a.poster, level=0)
    b.answer(b.poster, level=3)
    assert a.remind() == b.remind() == 2
    first, second = a.views(), b.views()
    for page in PAGES:
        assert first[page] == second[page], f"{page} tells the two databases apart"
    office_page = first[f"/staff/offices/{OFFICE}?lang=en"].decode()
    assert "2 responses received since then join them together once 5 have arrived" in office_page

    # Two more identical responses in each: still four new, still identical.
    for twin in twins:
        for _ in range(2):
            twin.answer(twin.poster, level=2)
    assert a.views() == b.views()

    # The fifth new response completes the batch: the results move by themselves, and now differ.
    for twin in twins:
        twin.answer(twin.poster, level=2)
    first, second = a.views(), b.views()
    api = f"/staff/api/results?office={OFFICE}"
    assert first[api] != second[api]
    assert a.staff.get(api).json["offices"][0]["count"] == 11
    assert first[f"/staff/offices/{OFFICE}/invitations"] == second[f"/staff/offices/{OFFICE}/invitations"]


def test_the_database_holds_the_difference_the_pages_do_not_show(twins) -> None:  # type: ignore[no-untyped-def]
    """A control for the test above: the two databases do differ where staff cannot look."""
    a, b = twins
    for twin in twins:
        _same_history(twin)
    a.answer_invitation(CONTACTS[0], level=3)
    b.answer_invitation(CONTACTS[1], level=1)
    responded = [
        sorted(t.session.scalars(select(Invitation.email).where(Invitation.responded)).all()) for t in twins
    ]
    assert responded == [[CONTACTS[0]], [CONTACTS[1]]]
    scores = [
        sorted(t.session.execute(sa.text("SELECT value FROM answer WHERE item = 'E2'")).scalars().all())
        for t in twins
    ]
    assert scores[0] != scores[1]


def test_two_databases_holding_the_same_released_data_show_byte_identical_pages(twins) -> None:  # type: ignore[no-untyped-def]
    """Same responses, stored in a different order and released in different batches: every page, API answer and
    export is byte-identical (rankings tie as shown, sums do not depend on the order rows were added)."""
    a, b = twins
    levels = [0, 1, 2, 3, 1, 2, 2, 3, 0, 3, 1, 1, 2, 3, 2, 0, 3, 2, 1, 2]
    kinds = [("individual", "factory_licensing"), ("business", "mining"), ("individual", "mining")]
    specs = [
        Spec(level=level, rtype=kinds[i % 3][0], service=kinds[i % 3][1], days_ago=i % 4)
        for i, level in enumerate(levels)
    ]
    add_responses(a.session, a.cycle, a.questionnaire, OFFICE, specs)
    for start in range(0, len(specs), 7):  # the other twin: reversed, in three steps
        add_responses(b.session, b.cycle, b.questionnaire, OFFICE, list(reversed(specs))[start : start + 7])
    for twin in twins:
        twin.sign_in()
    first, second = a.views(), b.views()
    for page in PAGES:
        assert first[page] == second[page], f"{page} differs between two databases holding the same data"
    assert a.staff.get(f"/staff/api/results?office={OFFICE}").json["offices"][0]["count"] == 20
