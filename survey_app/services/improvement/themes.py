"""What people wrote, grouped: frequent words and two-word phrases of the suggestions, and counts per theme.

Thai has no spaces between words, so suggestions are cut into words by PyThaiNLP's ``newmm`` tokenizer, whose
dictionary ships inside the package (nothing is downloaded at run time). Stop words (PyThaiNLP's Thai list and a
few English ones), numbers and punctuation are dropped. A word or phrase is shown only when at least K different
suggestions contain it, and a theme's count only when at least K suggestions match it, so no single suggestion can
be picked out. The suggestions themselves are shown elsewhere, in random order; nothing here keeps their order.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import Session

from ...models import Cycle, Response, StaffUser, SuggestionTheme
from ..accounts.staff import audit
from ..results import released, snapshots

WORD = re.compile(r"^[\u0e00-\u0e7fA-Za-z][\u0e00-\u0e7fA-Za-z\-]*$")
ENGLISH_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "be",
        "for",
        "in",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "very",
        "was",
        "with",
    ]
)
MAX_TEXTS = 20000


@functools.cache
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()) | ENGLISH_STOP


def tokenize(text: str) -> list[str]:
    """The content words of ``text``, in order, lower-cased (stop words, numbers and punctuation dropped)."""
    from pythainlp.tokenize import word_tokenize

    words = word_tokenize(text.lower(), engine="newmm", keep_whitespace=False)
    stop = _stopwords()
    return [w for w in (w.strip() for w in words) if len(w) > 1 and WORD.match(w) and w not in stop]


@dataclass(frozen=True)
class Term:
    """A word or two-word phrase and the number of suggestions that contain it."""

    text: str
    suggestions: int


def _joined(a: str, b: str) -> str:
    """Two words as a phrase: Thai words run together, others take a space."""
    return f"{a}{b}" if a[-1] >= "\u0e00" and b[0] >= "\u0e00" else f"{a} {b}"


def frequent_terms(texts: Iterable[str], k: int, top: int = 15) -> tuple[list[Term], list[Term]]:
    """Words and two-word phrases found in at least ``k`` suggestions, most frequent first (ties by text)."""
    words: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    for text in texts:
        tokens = tokenize(text)
        words.update(set(tokens))
        phrases.update({_joined(a, b) for a, b in itertools.pairwise(tokens)})

    def ranked(counts: Counter[str]) -> list[Term]:
        kept = sorted(((n, t) for t, n in counts.items() if n >= k), key=lambda p: (-p[0], p[1]))
        return [Term(t, n) for n, t in kept[:top]]

    return ranked(words), ranked(phrases)


@dataclass(frozen=True)
class ThemeCount:
    """How many suggestions match a theme; ``count`` is None when fewer than K do (hidden)."""

    theme_id: int
    name: str
    count: int | None


def theme_counts(texts: Sequence[str], themes: Sequence[SuggestionTheme], k: int) -> list[ThemeCount]:
    """Suggestions matching each theme (a keyword found in the text), hidden below K; biggest first."""
    lowered = [t.lower() for t in texts]
    found = []
    for theme in themes:
        keys = [w.lower() for w in theme.keyword_list]
        n = sum(1 for text in lowered if any(key in text for key in keys))
        found.append(ThemeCount(theme.id, theme.name, n if n >= k else None))
    return sorted(found, key=lambda c: (-(c.count or 0), c.name))


def suggestion_texts(session: Session, cycle: Cycle, office_code: str | None) -> list[str]:
    """The non-empty suggestions of released responses of an office (or every office), in no meaningful order."""
    if office_code is not None:
        texts = session.scalars(_office_texts_query(), {"cycle_id": cycle.id, "office_code": office_code})
        return [t for t in texts if t]
    query = select(func.trim(Response.suggestion)).where(*_texts_filter(released.response_filter(cycle)))
    return [t for t in session.scalars(query.limit(MAX_TEXTS)) if t]


def _texts_filter(released_filter: list[ColumnElement[bool]]) -> list[ColumnElement[bool]]:
    return [
        *released_filter,
        Response.suggestion.is_not(None),
        func.length(func.trim(Response.suggestion)) > 0,
    ]


@functools.cache
def _office_texts_query() -> Select[str]:
    """:func:`suggestion_texts`' statement for one office, built once (the office page asks on every request)."""
    return (
        select(func.trim(Response.suggestion))
        .where(
            *_texts_filter(released.response_filter(bindparam("cycle_id"))),
            Response.office_code == bindparam("office_code"),
        )
        .limit(MAX_TEXTS)
    )


def all_themes(session: Session) -> list[SuggestionTheme]:
    """Every named theme, by name."""
    return list(session.scalars(select(SuggestionTheme).order_by(SuggestionTheme.name)))


class ThemeError(ValueError):
    """A theme was refused; ``reason`` is ``name``, ``keywords`` or ``duplicate``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def add_theme(session: Session, actor: StaffUser, name: str, keywords: str) -> SuggestionTheme:
    """Name a theme for everyone to reuse (audited); the caller commits. Raises ``ThemeError``."""
    name = name.strip()
    words = [w.strip() for w in keywords.replace("\n", ",").split(",") if w.strip()]
    if not 1 <= len(name) <= 100:
        raise ThemeError("name")
    joined = ", ".join(words)
    if not words or len(joined) > 1000:
        raise ThemeError("keywords")
    if session.scalar(select(SuggestionTheme.id).where(SuggestionTheme.name == name)) is not None:
        raise ThemeError("duplicate")
    theme = SuggestionTheme(name=name, keywords=joined)
    session.add(theme)
    session.flush()
    snapshots.invalidate_all(session)  # renewed by `survey-app release` (or the first read before it)
    audit(session, actor, "theme_add", theme=theme.id, name=name)
    return theme
