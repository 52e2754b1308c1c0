"""Public results pages: released EIT and indicators of a closed cycle, checked against scores computed here from
the score map; "not enough answers to publish yet" and nothing else below K; nothing of an open cycle; measures
with status and dates (never their owner); the official ITA result; the national list; the JSON feed; the
iframe-safe embed; cache headers; the thank-you page's link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from survey_app.models import Cycle, ImprovementMeasure, OfficialResult, SuggestionTheme

from .staff_data import OWN, Spec, add_responses, expected_eit, raw_answers

OTHER_SMALL = "50"  # three answers: below K = 5


@pytest.fixture
def closed(session, cycle, questionnaire) -> Cycle:  # type: ignore[no-untyped-def]
    """The cycle closed, with 4 answers at level 3 and 4 at level 2 at office OWN, 3 at office 50, a measure at
    each, and OWN's official result."""
    waits = [Spec(level=3, suggestion="คิวยาวมาก รอนานเกินไป")] * 4 + [Spec(level=2, suggestion="รอนาน")] * 2
    add_responses(session, cycle, questionnaire, OWN, waits + [Spec(level=2)] * 2)
    session.add(SuggestionTheme(name="การรอคิว", keywords="รอนาน,คิวยาว"))
    session.add(SuggestionTheme(name="ที่จอดรถ", keywords="ที่จอดรถ"))
    add_responses(session, cycle, questionnaire, OTHER_SMALL, [Spec(level=3)] * 3)
    for office, action in (
        (OWN, "เพิ่มช่องทางชำระค่าธรรมเนียมออนไลน์"),
        (OTHER_SMALL, "secret plan of a small office"),
    ):
        session.add(ImprovementMeasure(
            cycle_id=cycle.id, office_code=office, item="E2", action=action, owner="Khun Somchai",
            due_on=dt.date(2027, 3, 31), status="in_progress",
        ))  # fmt: skip
    session.add(OfficialResult(fiscal_year=cycle.fiscal_year, office_code=OWN, eit=88.41, iit=90.0, oit=79.5))
    cycle.state = "closed"
    session.commit()
    return cycle


def _expected(questionnaire) -> float:  # type: ignore[no-untyped-def]
    high = expected_eit(questionnaire, raw_answers(questionnaire, 3))
    low = expected_eit(questionnaire, raw_answers(questionnaire, 2))
    return (4 * high + 4 * low) / 8


def test_an_office_page_shows_the_released_eit_band_indicators_measures_and_official_result(
    client, closed, questionnaire
) -> None:
    page = client.get(f"/r/{OWN}")
    assert page.status_code == 200 and '<html lang="th">' in page.text
    html = page.text
    score = re.search(r'<span class="pub-score" id="eit-score">([\d.]+)</span>', html)
    assert score and float(score.group(1)) == pytest.approx(_expected(questionnaire), abs=0.005)
    assert "จาก 8 คำตอบ" in html
    assert html.count('<tr><th scope="row">') == len(questionnaire.indicators)
    assert "เพิ่มช่องทางชำระค่าธรรมเนียมออนไลน์" in html and "กำลังดำเนินการ" in html and "31 มี.ค. 2570" in html
    assert "Khun Somchai" not in html
    assert "<li>การรอคิว <span" in html and "(6 " in html and "ที่จอดรถ" not in html  # 0 < K: left out
    assert "คิวยาวมาก" not in html  # never a suggestion's text
    assert "<dd>88.41</dd>" in html and "<dd>79.50</dd>" in html
    english = client.get(f"/r/{OWN}?lang=en").text
    assert "How people rated this office" in english and "from 8 answers" in english
    assert (
        page.headers["Cache-Control"] == "public, max-age=600" and page.headers["X-Frame-Options"] == "DENY"
    )


def test_an_office_below_k_says_not_enough_answers_and_nothing_else(client, closed) -> None:
    html = client.get(f"/r/{OTHER_SMALL}?lang=en").text
    main = html[html.index('<main id="main"') : html.index("</main>")]
    body = main[: main.index('id="about-h"')]
    assert "Not enough answers to publish yet." in body
    assert (
        "pub-score" not in body and "secret plan" not in html and "answers." not in body.replace("yet.", "")
    )
    assert re.search(r"\b3\b", body) is None  # not even the count
    feed = client.get(f"/r/{OTHER_SMALL}/feed.json").json
    assert feed == {
        "office": OTHER_SMALL, "office_th": feed["office_th"], "office_en": "Chiang Mai Provincial Industry Office",
        "cycle": closed.code, "published": False, "suppress_below": 5,
    }  # fmt: skip


def test_nothing_of_an_open_cycle_is_published(client, session, cycle, questionnaire) -> None:
    add_responses(session, cycle, questionnaire, OWN, [Spec(level=3)] * 10)
    html = client.get(f"/r/{OWN}?lang=en").text
    assert "No results are published yet" in html and "pub-score" not in html
    assert "No results are published yet" in client.get("/r?lang=en").text
    assert client.get(f"/r/{OWN}/feed.json").json["published"] is False
    assert (
        client.get(f"/r/{OWN}?cycle={cycle.code}").text.count("pub-score") == 0
    )  # asking for it changes nothing


def test_the_national_list_names_every_office_and_hides_those_below_k(
    client, closed, session, questionnaire
) -> None:
    html = client.get("/r?lang=en").text
    rows = re.findall(r'<tr><th scope="row"><a href="/r/(\d\d)\?cycle=[^"]+">', html)
    assert len(rows) == 76
    own = html[html.index(f'href="/r/{OWN}?') :].split("</tr>")[0]
    assert f"{_expected(questionnaire):.2f}" in own and '<td class="num">8</td>' in own
    small = html[html.index(f'href="/r/{OTHER_SMALL}?') :].split("</tr>")[0]
    assert "Not enough answers to publish yet." in small


def test_the_feed_and_the_embed_carry_the_same_figures(client, closed, questionnaire) -> None:
    feed = client.get(f"/r/{OWN}/feed.json")
    data = feed.json
    assert data["published"] is True and data["answers"] == 8 and data["cycle"] == closed.code
    assert data["eit"]["score"] == pytest.approx(_expected(questionnaire), abs=0.005)
    assert [i["measure"] for i in data["indicators"]] == [i.measure for i in questionnaire.indicators]
    assert data["measures"][0]["status"] == "in_progress" and "owner" not in data["measures"][0]
    assert data["official"]["eit"] == 88.41
    assert data["themes"] == [{"theme": "การรอคิว", "suggestions": 6}]
    embed = client.get(f"/r/{OWN}/embed")
    assert embed.status_code == 200 and "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    assert f"{data['eit']['score']:.2f}" in embed.text


def test_unknown_offices_are_not_found(client, closed) -> None:
    for path in ("/r/10", "/r/xx", "/r/501", "/r/10/feed.json", "/r/10/embed"):
        assert client.get(path).status_code == 404, path


def test_the_thank_you_page_links_to_the_office_results(app, client, session, cycle) -> None:
    from survey_app.models import SurveyLink
    from survey_app.tokens import poster_token

    link = SurveyLink(cycle_id=cycle.id, office_code=OWN, audience="citizen", version=1)
    session.add(link)
    session.commit()
    with app.app_context():
        token = poster_token(link.id, link.version)
    assert f'href="/r/{OWN}"' in client.get(f"/s/{token}/thanks").text
    assert session.scalars(select(ImprovementMeasure)).all() == []
