"""The survey page's cached parts: rendered once, escaped by Jinja, renewed when their source changes."""

from __future__ import annotations

import gzip
import math
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import event, update

from survey_app import questionnaire as questionnaires
from survey_app.db import db
from survey_app.models import Office
from survey_app.public import questions, survey
from tests import survey_helpers
from tests.survey_helpers import nonce, poster_link, poster_path

store = survey_helpers.store  # fixtures: see tests/survey_helpers.py
open_cycle = survey_helpers.open_cycle

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
SURVEYS = Path(__file__).resolve().parents[2] / "surveys"


def test_two_visitors_get_the_same_questions_but_their_own_csrf_token_and_nonce(app, store, open_cycle):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    first, second = app.test_client().get(path).text, app.test_client().get(path).text
    assert nonce(first) != nonce(second)
    token = 'name="csrf_token" type="hidden" value="'
    assert first.split(token)[1][:20] != second.split(token)[1][:20]

    def questions_part(html: str) -> str:
        return html[html.index('<section aria-labelledby="about-you">') : html.index('id="suggestion-title"')]

    assert questions_part(first) == questions_part(second)


def test_office_names_are_escaped_and_a_renamed_office_shows_at_once(app, store, open_cycle):  # type: ignore[no-untyped-def]
    path = poster_path(app, poster_link(store, open_cycle))
    client = app.test_client()
    assert "<h1>สำนักงานอุตสาหกรรมจังหวัดเชียงใหม่</h1>" in client.get(path).text
    store.execute(update(Office).where(Office.code == "50").values(name_th='สำนักงาน <b>"ใหม่"</b>'))
    store.commit()
    html = app.test_client().get(path).text
    assert "<h1>สำนักงาน &lt;b&gt;&#34;ใหม่&#34;&lt;/b&gt;</h1>" in html
    assert "<b>" not in html


def test_questions_are_rendered_once_and_again_after_the_file_changes(app, tmp_path):  # type: ignore[no-untyped-def]
    shutil.copy(SURVEYS / "eit-2568.yaml", tmp_path / "eit.yaml")
    with app.test_request_context("/"):
        first = questionnaires.get(tmp_path, "eit", "2568")
        rendered = questions.fresh(first, "th", "individual", None)
        assert (
            questions.fresh(first, "th", "individual", None) is rendered
        )  # the same object: not re-rendered
        assert questions.fresh(first, "th", "business", None) is not rendered
        edited = (tmp_path / "eit.yaml").read_text(encoding="utf-8").replace("มีช่องทางหลากหลาย", "มีหลายช่องทาง")
        (tmp_path / "eit.yaml").write_text(edited, encoding="utf-8")
        stat = (tmp_path / "eit.yaml").stat()
        os.utime(tmp_path / "eit.yaml", (stat.st_atime, stat.st_mtime + 5))
        second = questionnaires.get(tmp_path, "eit", "2568")
        renewed = questions.fresh(second, "th", "individual", None)
    assert "มีช่องทางหลากหลาย" in rendered and "มีหลายช่องทาง" not in rendered
    assert "มีหลายช่องทาง" in renewed and "มีช่องทางหลากหลาย" not in renewed


def test_page_with_its_stylesheet_and_script_stays_under_30_kb_compressed(app, store, open_cycle):  # type: ignore[no-untyped-def]
    client = app.test_client()
    html = client.get(poster_path(app, poster_link(store, open_cycle))).data
    css = client.get("/static/site.css").data
    js = client.get("/static/js/survey.js").data
    compressed = sum(len(gzip.compress(part, 6)) for part in (html, css, js))
    assert compressed < 30 * 1024, compressed


def test_time_estimate_reads_the_thai_text_at_600_characters_a_minute(app, store, open_cycle):  # type: ignore[no-untyped-def]
    # Counted here from the raw file: every profile question and choice, every item and sub-item, and each answer
    # scale's options once (read the first time, recognised after); 3 seconds to find and tap each answer.
    raw = yaml.safe_load((SURVEYS / "eit-2568.yaml").read_text(encoding="utf-8"))
    profile = raw["profile"]
    chars = sum(len(q["question"]["th"]) + sum(len(c["th"]) for c in q["choices"]) for q in profile.values())
    taps = 2
    scales = set()
    for item in raw["items"]:
        subs = item.get("sub_items", [])
        taps += max(1, len(subs))
        scales.add(item["answer_type"])
        chars += len(item["th"]) + sum(len(s["th"]) for s in subs)
    chars += sum(len(o["th"]) for t in scales for o in raw["answer_types"][t]["options"])
    assert (
        1800 < chars < 2600
    )  # about 3,200 Thai characters on the page, the options repeated under each question
    expected = math.ceil((chars / 600 * 60 + taps * 3) / 60)
    html = app.test_client().get(poster_path(app, poster_link(store, open_cycle))).text
    assert f"มี 17 ข้อ เกี่ยวกับการมาติดต่อ 2 ข้อ และเกี่ยวกับสำนักงาน 15 ข้อ ใช้เวลาประมาณ {expected} นาที" in html
    assert expected >= 4  # not "about two minutes"
    # The page is the only place that states a number of minutes: the landing page, emails and posters say "a few".
    assert "ใช้เวลาไม่กี่นาที" in app.test_client().get("/").text
    assert "It takes a few minutes" in app.test_client().get("/?lang=en").text


def test_a_cached_thank_you_page_never_shows_another_links_token(app, store, open_cycle):  # type: ignore[no-untyped-def]
    citizen = poster_path(app, poster_link(store, open_cycle))
    business = poster_path(app, poster_link(store, open_cycle, audience="business"))
    client = app.test_client()
    first = client.get(citizen + "/thanks").text
    second = client.get(business + "/thanks").text
    assert "ขอบคุณที่ตอบแบบสอบถาม" in first and "ขอบคุณที่ตอบแบบสอบถาม" in second
    assert f'href="{citizen}/thanks?lang=en"' in first and business not in first
    assert f'href="{business}/thanks?lang=en"' in second and citizen not in second


def test_yes_comes_first_on_every_two_option_question_and_keeps_its_value(app, store, open_cycle):  # type: ignore[no-untyped-def]
    html = app.test_client().get(poster_path(app, poster_link(store, open_cycle))).text
    for name, first, second in (("E4_1", "เคย", "ไม่เคย"), ("E8_1", "มี", "ไม่มี"), ("E10_1", "มี", "ไม่มี")):
        group = html[
            html.index(f'data-q="{name}"') : html.index("</fieldset>", html.index(f'data-q="{name}"'))
        ]
        labels = re.findall(r'value="(\d)"><span>([^<]+)</span>', group)
        assert [label for _value, label in labels] == [first, second], name
    # The values still say what each answer is: "มี" is 1 (score 100), "ไม่มี" 0.
    e8 = html[html.index('data-q="E8_1"') :]
    assert re.search(r'value="1"><span>มี</span>', e8) and re.search(r'value="0"><span>ไม่มี</span>', e8)


def test_the_thank_you_page_reads_its_office_once_a_minute_and_follows_a_rename(
    app, store, open_cycle, monkeypatch
):  # type: ignore[no-untyped-def]
    """Every respondent of a poster lands on its thank-you page: the office it names is read once per token and
    minute (per process), and a renamed office shows once that minute is over."""
    path = poster_path(app, poster_link(store, open_cycle)) + "/thanks"
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))  # the store's too
    client = app.test_client()
    first = client.get(path)
    assert first.status_code == 200 and len(statements) == 1
    assert client.get(path).text == first.text and len(statements) == 1  # remembered: no query
    store.execute(update(Office).where(Office.code == survey_helpers.OFFICE).values(name_th="สำนักงานทดสอบ"))
    store.commit()
    assert "สำนักงานทดสอบ" not in client.get(path).text  # within the minute, the name read before
    monkeypatch.setattr(survey, "THANKS_OFFICE_SECONDS", 0.0)
    page = client.get(path).text
    assert "สำนักงานทดสอบ" in page and len([s for s in statements if s.startswith("SELECT")]) == 2
