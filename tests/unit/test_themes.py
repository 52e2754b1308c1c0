"""Suggestion themes on a fixed Thai corpus: words and phrases counted by the suggestions that hold them (counted
here by hand), nothing shown below K, and theme counts by keyword."""

from __future__ import annotations

from survey_app.models import SuggestionTheme
from survey_app.services.improvement.themes import frequent_terms, theme_counts, tokenize

CORPUS = [
    "ห้องน้ำสกปรก ควรทำความสะอาด",
    "ห้องน้ำสกปรกมาก",
    "อยากให้ปรับปรุงห้องน้ำ",
    "รอคิวนานเกินไป",
    "รอคิวนาน เจ้าหน้าที่น้อย",
    "เจ้าหน้าที่สุภาพ บริการดี",
    "เจ้าหน้าที่บริการดีมาก",
    "ที่จอดรถไม่พอ",
]


def test_thai_text_is_cut_into_words_without_stop_words_or_punctuation() -> None:
    # นาน ("long") is in PyThaiNLP's stop-word list, like และ ("and").
    assert tokenize("ห้องน้ำสกปรก, รอคิวนาน!! 2 ชั่วโมง") == ["ห้องน้ำ", "สกปรก", "รอ", "คิว", "ชั่วโมง"]
    assert "และ" not in tokenize("ห้องน้ำและที่จอดรถ")


def test_frequent_words_count_suggestions_and_hide_those_below_k() -> None:
    words, phrases = frequent_terms(CORPUS, k=2)
    counts = {t.text: t.suggestions for t in words}
    # By hand: ห้องน้ำ in suggestions 1, 2, 3; เจ้าหน้าที่ in 5, 6, 7; สกปรก in 1, 2; รอ, คิว in 4, 5;
    # บริการ in 6, 7. ที่จอดรถ (1 suggestion) is below K = 2 and must not appear.
    assert counts["ห้องน้ำ"] == 3 and counts["เจ้าหน้าที่"] == 3
    assert counts["สกปรก"] == 2 and counts["คิว"] == 2 and counts["บริการ"] == 2
    assert all(n >= 2 for n in counts.values()) and "ที่จอดรถ" not in counts
    assert [t.text for t in words[:2]] == ["ห้องน้ำ", "เจ้าหน้าที่"], "most frequent first, ties by text"
    phrase_counts = {t.text: t.suggestions for t in phrases}
    assert phrase_counts["ห้องน้ำสกปรก"] == 2 and phrase_counts["รอคิว"] == 2
    assert frequent_terms(CORPUS, k=4) == ([], [])


def test_themes_count_suggestions_with_any_keyword_and_hide_small_ones() -> None:
    themes = [
        SuggestionTheme(id=1, name="สถานที่", keywords="ห้องน้ำ, ที่จอดรถ"),
        SuggestionTheme(id=2, name="ความรวดเร็ว", keywords="รอคิว, ช้า"),
        SuggestionTheme(id=3, name="ค่าธรรมเนียม", keywords="ค่าธรรมเนียม"),
    ]
    counts = {c.name: c.count for c in theme_counts(CORPUS, themes, k=2)}
    # สถานที่: suggestions 1, 2, 3, 8 → 4; ความรวดเร็ว: 4, 5 → 2; ค่าธรรมเนียม: none → hidden (0 < K).
    assert counts == {"สถานที่": 4, "ความรวดเร็ว": 2, "ค่าธรรมเนียม": None}
