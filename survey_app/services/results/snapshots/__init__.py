"""Release snapshots: every figure staff see that depends on answers, computed once per release, cleared by the
auditor and stored immutable (design.md, "Who the system must protect respondents from").

**The guarantee.** No figure that depends on answers, and no combination of figures staff have ever been shown,
changes by the contribution of fewer than K respondents (unless the viewer already knows the answers of the others
in that change). K is passed explicitly to every function here.

How the pieces hold it:

* answers reach the rollup only in released batches of at least K per office (``services/intake/batches.py``), each
  numbered (``response.release_batch``) and dated (``response.released_on``);
* an office's figures are computed once per state (cycle, office, snapshot generation, K, released responses)
  and stored as a :class:`~survey_app.models.ResultSnapshot`; pages, the API and exports read snapshots, never
  the rollup directly, so what a page shows is exactly what was cleared;
* every figure a snapshot shows is recorded by the responses it covers (a :class:`Figure`: a kind, a group and the
  last release batch it includes; memberships, never values): the office's scores, its scores without flagged
  responses, the respondent-type groups its weighted scores rest on, each month (months are dated by the release
  that made a response visible, so a closed month never changes), each respondent type's and service's item means;
* a group mean moves only when its group gained at least K members since the value last shown; otherwise the
  value last shown is shown again;
* before a snapshot is stored, :func:`survey_app.stats.audit.clear` checks, exactly, that no response's value is
  determined by the row space of every figure ever shown for the office and the new ones; a figure that would
  determine one is withheld ("withheld to protect a respondent") or, for a group, keeps the value last shown.

A snapshot is computed once its state exists (a release, or a new generation) and never changed: by
``survey-app release`` and ``stats rebuild``, which compute every missing one (:func:`renew`), or else by the first
read that needs it. The cycle's generation is bumped by everything that changes every office's results without a
release (:func:`invalidate`): ``stats rebuild`` after a score-map change, a cycle closing, an official-results import,
a theme; the web actions among these leave the new snapshots to the release command. A change of one office's
results alone, a frame import, bumps that office's own generation (:func:`invalidate_office`): only its snapshot is
computed again, so the next page that needs every office's (the office page's peers, the national view) computes
one, not all of them.
Counts of responses received are not in snapshots: they stay live.

The package: :mod:`.store` computes, clears and stores an office's snapshot and reads it back (the state it rests on,
offices, generation and released counts, is read once per transaction); :mod:`.shown` gives what staff see from the
snapshots through the display rule of ``services/results/disclosure.py``, and the integrity page's ranking;
:mod:`.signals` stores the integrity page's per-office aggregates with each snapshot.
"""

from .store import (
    Figure,
    Snapshot,
    count_release,
    generation,
    invalidate,
    invalidate_all,
    invalidate_office,
    office_months,
    office_snapshots,
    renew,
)

__all__ = [
    "Figure",
    "Snapshot",
    "count_release",
    "generation",
    "invalidate",
    "invalidate_all",
    "invalidate_office",
    "office_months",
    "office_snapshots",
    "renew",
]
