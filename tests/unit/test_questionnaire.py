"""The EIT questionnaire file: content as in docs/eit.md, exact score maps, and precise validation errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from survey_app.questionnaire import QuestionnaireError, load, validate_all

SURVEYS = Path(__file__).resolve().parents[2] / "surveys"
EIT = SURVEYS / "eit-2568.yaml"


@pytest.fixture(scope="module")
def eit():
    return load(EIT)


def test_eit_has_fifteen_items_in_three_indicators_of_five(eit) -> None:
    assert [i.code for i in eit.indicators] == ["6", "7", "8"]
    assert [len(i.items) for i in eit.indicators] == [5, 5, 5]
    assert [item.code for item in eit.items] == [f"E{n}" for n in range(1, 16)]
    assert eit.eit_indicators == ("6", "7", "8")


def test_sub_items_and_answer_types_follow_the_brief(eit) -> None:
    sub_counts = {item.code: len(item.sub_items) for item in eit.items if item.sub_items}
    assert sub_counts == {"E1": 2, "E4": 3, "E6": 2}
    types = {item.code: item.answer_type.code for item in eit.items}
    assert types["E4"] == "ever_never"
    assert types["E8"] == types["E10"] == "yesno"
    assert {types[c] for c in types if c not in {"E4", "E8", "E10"}} == {"level4"}
    assert len(eit.answer_keys) == 19


def test_four_level_scores_are_exact_thirds(eit) -> None:
    scores = [o.score for o in eit.item("E2").answer_type.options]
    assert scores == [0.0, 100 / 3, 200 / 3, 100.0]
    assert [o.label.th for o in eit.item("E2").answer_type.options] == [
        "น้อยที่สุดหรือไม่มีเลย",
        "น้อย",
        "มาก",
        "มากที่สุด",
    ]


def test_bribery_item_is_reverse_scored(eit) -> None:
    e4 = eit.item("E4").answer_type
    assert e4.options[0].label.th == "เคย" and e4.score(0) == 0
    assert e4.options[1].label.th == "ไม่เคย" and e4.score(1) == 100


def test_every_two_option_question_is_shown_yes_first_with_the_eit_scores(eit) -> None:
    # docs/eit.md: yes/no ไม่มี 0, มี 100; ever/never (E4, reversed) เคย 0, ไม่เคย 100. Listed lowest value first (the raw
    # value is the option's index), shown "yes" first every time.
    for code in ("E4", "E8", "E10"):
        assert [o.value for o in eit.item(code).answer_type.options] == [0, 1]
    shown = {
        code: [(o.label.th, o.label.en, o.score) for o in eit.item(code).answer_type.shown]
        for code in ("E4", "E8", "E10")
    }
    assert shown["E4"] == [("เคย", "Yes, I was", 0.0), ("ไม่เคย", "No, never", 100.0)]
    assert shown["E8"] == shown["E10"] == [("มี", "Yes", 100.0), ("ไม่มี", "No", 0.0)]


def test_profile_questions_have_the_default_lists(eit) -> None:
    assert eit.respondent_type.codes == ("individual", "business", "agency")
    assert len(eit.service.codes) == 8 and eit.service.codes[-1] == "other"
    assert eit.item("E1").text.th.startswith("เจ้าหน้าที่ของหน่วยงานที่ท่านติดต่อ")


def test_measures_average_sub_items_then_items_then_indicators(eit) -> None:
    values = {key: 3 if eit.item(key[0]).answer_type.code == "level4" else 1 for key in eit.answer_keys}
    values[("E1", 2)] = 0  # E1 = (100 + 0) / 2
    values[("E8", 1)] = 0  # E8 = 0
    measures = eit.measures(values)
    assert measures["E1"] == 50
    assert measures["IND6"] == pytest.approx((50 + 100 * 4) / 5)
    assert measures["IND7"] == pytest.approx(80)
    assert measures["IND8"] == 100
    assert measures["EIT"] == pytest.approx((90 + 80 + 100) / 3)


def test_straight_lining_looks_only_at_four_level_items(eit) -> None:
    values = {key: 2 if eit.item(key[0]).answer_type.code == "level4" else 0 for key in eit.answer_keys}
    assert eit.is_straight_lined(values)
    values[("E15", 1)] = 3
    assert not eit.is_straight_lined(values)


def _broken(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(EIT.read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "field", "problem"),
    [
        (
            lambda r: r["items"][3].update(answer_type="stars"),
            "items[3].answer_type",
            "no answer type 'stars'",
        ),
        (lambda r: r["items"][0].pop("th"), "items[0]", "'th' is a required property"),
        (lambda r: r["items"][2].update(indicator="9"), "items[2].indicator", "no indicator '9'"),
        (
            lambda r: r["answer_types"]["level4"]["options"][1].update(score=150),
            "answer_types.level4.options[1].score",
            "",
        ),
        (lambda r: r["items"][5].update(code="E1"), "items[5].code", "E1 appears twice"),
        (lambda r: r.update(eit_indicators=["6", "10"]), "eit_indicators[1]", "no indicator '10'"),
    ],
)
def test_broken_file_names_the_file_field_and_problem(
    tmp_path: Path, mutate, field: str, problem: str
) -> None:
    path = _broken(tmp_path, mutate)
    with pytest.raises(QuestionnaireError) as caught:
        load(path)
    assert caught.value.path == str(path)
    assert caught.value.field == field
    assert problem in caught.value.problem
    assert str(path) in str(caught.value)


def test_invalid_yaml_is_reported_as_such(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("id: eit\nitems: [unclosed\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="not valid YAML"):
        load(path)


def test_every_shipped_questionnaire_is_valid() -> None:
    assert validate_all(SURVEYS) == []


def test_get_follows_files_added_removed_and_edited_in_its_directory(tmp_path: Path) -> None:
    """``get`` tries the file it found last time first; adding, removing or editing a file must still be seen."""
    from survey_app.questionnaire import get

    text = EIT.read_text(encoding="utf-8")
    first = load(EIT)
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    assert get(tmp_path, first.id, first.version).version == first.version
    # A new file with another version: found, and the first is still found.
    (tmp_path / "b.yaml").write_text(
        text.replace(f'version: "{first.version}"', 'version: "next"', 1), encoding="utf-8"
    )
    assert get(tmp_path, first.id, "next").version == "next"
    assert get(tmp_path, first.id, first.version).version == first.version
    # The file found last time edited in place to define another version: the old one is gone.
    (tmp_path / "a.yaml").write_text(
        text.replace(f'version: "{first.version}"', 'version: "third"', 1), encoding="utf-8"
    )
    os.utime(tmp_path / "a.yaml", ns=(1, 10**18))  # a new modification time even on a coarse clock
    with pytest.raises(LookupError):
        get(tmp_path, first.id, first.version)
    # The file removed: no longer found.
    (tmp_path / "b.yaml").unlink()
    with pytest.raises(LookupError):
        get(tmp_path, first.id, "next")
