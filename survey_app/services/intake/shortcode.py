"""Poster short codes: which link a typed six-character code opens.

Codes are not stored (see :mod:`survey_app.tokens`): this recomputes the code of every active poster link under
every listed link key and compares. A few hundred links a year make that a few hundred HMACs; it only reads.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import SurveyLink
from ...tokens import short_code


def find_link(session: Session, code: str, keys: Sequence[str]) -> SurveyLink | None:
    """The active link (a poster or a channel link) whose code (under any of ``keys``) is ``code`` (already
    normalised), or None."""
    links = session.scalars(select(SurveyLink).where(SurveyLink.active).order_by(SurveyLink.id))
    for link in links:
        for key in keys:
            if hmac.compare_digest(short_code(link.id, link.version, key), code):
                return link
    return None
