"""On PostgreSQL a poster POST that releases nothing writes with one statement (the nonce, the response and its
answers: services/intake/submission.py) and sends it in autocommit, with no BEGIN or COMMIT around it; a POST that
may release a batch keeps its transaction (the office's lock is held until the commit)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from survey_app.models import Response
from survey_app.services.intake import submission
from tests import survey_helpers
from tests.survey_helpers import form_data, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize(("schedule", "visible_before_commit"), [("daily", True), ("at_k", False)])
def test_a_poster_post_commits_its_one_statement_by_itself_unless_it_may_release(
    make_app, store, open_cycle, questionnaire, monkeypatch, schedule: str, visible_before_commit: bool
):  # type: ignore[no-untyped-def]
    app = make_app(RELEASE_SCHEDULE=schedule)
    seen: list[int] = []
    real_submit = submission.submit

    def submit_and_look(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real_submit(*args, **kwargs)
        store.rollback()  # another connection: it sees only what is committed
        seen.append(store.scalar(select(func.count()).select_from(Response)) or 0)
        return outcome

    monkeypatch.setattr(submission, "submit", submit_and_look)
    path = poster_path(app, poster_link(store, open_cycle))
    client = app.test_client()
    page = client.get(path).text
    assert client.post(path, data=form_data(page, questionnaire)).status_code == 303
    assert seen == [1 if visible_before_commit else 0]
    store.rollback()
    assert store.scalar(select(func.count()).select_from(Response)) == 1
    # The same form again is a replay: refused, nothing more stored, in either mode.
    assert client.post(path, data=form_data(page, questionnaire)).status_code == 409
    store.rollback()
    assert store.scalar(select(func.count()).select_from(Response)) == 1
