"""A fresh survey page assembled from cached parts: only the CSRF token, the nonce and the token differ per visitor.

The page around the questions (layout, title, notices, suggestion box) is rendered through Jinja once per
questionnaire × language × office (its name as shown) × "answered before" notice, with markers in place of the
per-visitor values; it is then kept as a list of literal parts and slots. A request fills the slots with its CSRF
token, nonce and link token (each escaped, though all three are URL-safe base64 by construction) and the cached
questions of :mod:`.questions`. Keys hold the questionnaire object, so an edited questionnaire file renders anew.
The cache is bounded; the oldest entries go first. :func:`static` keeps whole pages without a per-visitor part and
:func:`recent` a value for a few seconds (the office of a thank-you page).
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app
from markupsafe import Markup, escape

from ..questionnaire import Questionnaire

T = TypeVar("T")
V = TypeVar("V")

MAX_ENTRIES = 512
SLOTS = ("csrf", "nonce", "token", "body")
_MARK = "\x1eslot{}\x1e"  # a record-separator character cannot come from a template, an office name or a translation
_SPLIT = re.compile("\x1eslot(csrf|nonce|token|body)\x1e")


@dataclass(frozen=True)
class Parts:
    """A page as literal text and named slots, alternating: text, slot, text, slot, ..., text."""

    texts: tuple[str, ...]
    slots: tuple[str, ...]

    def fill(self, values: dict[str, str]) -> str:
        out = [self.texts[0]]
        for slot, text in zip(self.slots, self.texts[1:], strict=True):
            out.append(values[slot])
            out.append(text)
        return "".join(out)


_lock = threading.Lock()
_pages: OrderedDict[tuple[object, ...], tuple[Questionnaire, Parts]] = OrderedDict()


def _keep(cache: OrderedDict[tuple[object, ...], V], key: tuple[object, ...], value: V) -> None:
    """Store ``value`` under ``key`` as the newest entry, dropping the oldest beyond :data:`MAX_ENTRIES`."""
    with _lock:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)


def markers() -> dict[str, Markup]:
    """What the page template is given in place of each per-visitor value."""
    return {slot: Markup(_MARK.format(slot)) for slot in SLOTS}  # noqa: S704 - a constant


def split(html: str) -> Parts:
    """``html`` rendered with :func:`markers` as literal parts and slots."""
    pieces = _SPLIT.split(html)
    return Parts(tuple(pieces[0::2]), tuple(pieces[1::2]))


def page(
    key: tuple[object, ...],
    questionnaire: Questionnaire,
    render: Callable[[], str],
    *,
    csrf: str,
    nonce: str,
    token: str,
    body: Markup,
) -> str:
    """The page for ``key`` (rendered by ``render`` with :func:`markers` the first time) with the slots filled."""
    full_key = (id(questionnaire), *key)
    entry = _pages.get(full_key)
    if entry is None or entry[0] is not questionnaire:
        entry = (questionnaire, split(render()))
        _keep(_pages, full_key, entry)
    values = {
        "csrf": str(escape(csrf)),
        "nonce": str(escape(nonce)),
        "token": str(escape(token)),
        "body": body,
    }
    return entry[1].fill(values)


_static: OrderedDict[tuple[object, ...], str] = OrderedDict()


def static(key: tuple[object, ...], render: Callable[[], str]) -> str:
    """A page with no per-visitor part (the thank-you page of an office in a language), rendered once per ``key``;
    the key must hold everything the page shows (office name included), so a change renders anew."""
    html = _static.get(key)
    if html is None:
        html = render()
        _keep(_static, key, html)
    return html


def recent(key: tuple[object, ...], seconds: float, compute: Callable[[], T]) -> T:
    """``compute()``, remembered for ``seconds`` per process and application (an application is one database): for
    what may lag a little behind the database (the office a thank-you page names), so that a busy page need not ask
    it every time. Errors are not remembered."""
    _recent: OrderedDict[tuple[object, ...], tuple[float, object]] = current_app.extensions.setdefault(
        "survey_recent", OrderedDict()
    )
    now = time.monotonic()
    entry = _recent.get(key)
    if entry is not None and now - entry[0] < seconds:
        return entry[1]  # type: ignore[return-value]
    value = compute()
    _keep(_recent, key, (now, value))
    return value
