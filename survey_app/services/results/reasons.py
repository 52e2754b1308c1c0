"""Why a result looks the way it does: structured notes (a stable code and its parameters) and their words.

Results carry ``Note`` values; pages, the ``score`` command and the JSON API turn them into Thai and English
sentences with ``describe`` (Flask-Babel catalogue ``translations/stats``). A code never changes meaning, so a
program can act on it; the words may be improved freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ...templating import wording


def _l(text: str) -> str:
    """Marks ``text`` for the catalogue; it is translated when a note is described."""
    return text


MESSAGES: Final[Mapping[str, str]] = {
    # estimates
    "no_responses": _l("No responses yet: there is nothing to score."),
    "one_response": _l("An interval needs at least two responses."),
    "zero_se": _l(
        "Every respondent gave the same score (within each weighting cell): the standard error is 0 and the "
        "interval is the score itself."
    ),
    "no_weighted_respondents": _l(
        "No respondent is of a type the frame counts: the weighted score cannot be computed."
    ),
    # the frame and the weights
    "no_frame": _l("No population frame: scored unweighted, without the finite population correction."),
    "frame_error": _l(
        "The frame counts %(frame)s people, %(answered)s have answered: correct the frame. Estimates are "
        "computed without the finite population correction."
    ),
    "frame_error_type": _l(
        "The frame counts %(frame)s people of type %(type)s, %(answered)s of them have answered: correct the "
        "frame. Estimates are computed without the finite population correction."
    ),
    "type_not_covered": _l(
        "Nobody of type %(type)s has answered: its %(population)s people are left out of the weighted score, "
        "which covers %(covered)s of the frame's %(total)s people."
    ),
    "outside_frame": _l("Respondents of type %(type)s are outside the frame and carry no weight."),
    "merged_sparse": _l(
        "Cell %(type)s / %(service)s (%(n)s responses, population %(population)s) has too few responses: "
        "merged into %(type)s / %(into)s."
    ),
    "merged_empty": _l(
        "Cell %(type)s / %(service)s (population %(population)s) has no responses: merged into "
        "%(type)s / %(into)s."
    ),
    "merged_outside": _l(
        "Cell %(type)s / %(service)s (%(n)s responses) is not in the frame: merged into %(type)s / %(into)s."
    ),
    "rake_merged_within_type": _l(
        "Nobody has answered about service %(service)s: its %(population)s people of type %(type)s are merged into "
        "%(type)s / %(into)s for raking."
    ),
    "rake_merged_service": _l(
        "Nobody has answered about service %(service)s: its %(population)s people are merged into service "
        "%(into)s for raking."
    ),
    "rake_failed": _l(
        "The frame's type and service totals cannot both be met with these answers: post-stratified instead."
    ),
    "poststratified": _l("Post-stratified to the frame's respondent type × service table."),
    "raked": _l("Raked to the frame's respondent type and service totals."),
    "trimmed": _l(
        "%(method)s Weights trimmed at %(bound)s × the mean, margins re-matched (%(cells)s cells trimmed)."
    ),
    "trim_nothing": _l("No weight was above %(bound)s × the mean: nothing was trimmed."),
    "trim_failed": _l(
        "Weights could not be trimmed at %(bound)s × the mean without losing the margins: left untrimmed."
    ),
    # sample size
    "required_capped": _l(
        "The requirement of %(asked)s responses is more than the population of %(population)s: the whole "
        "population is required."
    ),
    "census": _l("Everyone in the frame has answered: the sample is a census and adequate."),
    "no_forecast": _l("No forecast: no responses in the last 14 days, or not before the cycle closes."),
    "adequate": _l("Adequate already: no forecast is needed."),
    # roll-ups
    "below_k": _l("Fewer than %(k)s responses: left out so that no group smaller than %(k)s is shown."),
    "no_office_pooled": _l("No office can be pooled yet."),
    "count_protected": _l(
        "Withheld: it would give the count of a respondent type hidden to protect fewer than %(k)s respondents."
    ),
    "weighted_withheld_small": _l(
        "Weighted scores withheld: a respondent type has fewer than %(k)s respondents, and the weighted beside the "
        "unweighted score would give its answers away."
    ),
    # one story per number (services/results/summary): answers still needed, weighted or not, hidden
    "needed_none": _l("Enough answers: %(count)s received, %(required)s required."),
    "needed_gap": _l("%(required)s required − %(count)s received."),
    "needed_weighting": _l(
        "More than %(required)s required − %(count)s received = %(gap)s: the answers do not match the mix of "
        "people the office serves, so after weighting they count as %(effective)s answers."
    ),
    "needed_withheld": _l(
        "%(required)s required − %(count)s received = %(gap)s, and more: weighting and each type's own minimum ask "
        "for more, but how many is withheld while a respondent type is hidden to protect fewer than %(k)s respondents."
    ),
    "needed_type": _l(
        "More than %(required)s required − %(count)s received = %(gap)s: each type of respondent needs its own "
        "minimum, and %(type)s is below it."
    ),
    "needed_types": _l(
        "More than %(required)s required − %(count)s received = %(gap)s: each type of respondent needs its own "
        "minimum, and %(types)s types are below it."
    ),
    "weighted_to_frame": _l(
        "Weighted to the population frame (%(population)s people served): each group counts by its share of them."
    ),
    "scores_hidden_below_k": _l(
        "Scores hidden: fewer than %(k)s answers released, so that no answer can be traced to a person."
    ),
    # release snapshots (services/results/snapshots)
    "withheld_protect": _l(
        "Withheld to protect a respondent: with the figures shown before, these would reveal one person's answers."
    ),
    "weighted_withheld_protect": _l(
        "Weighted scores withheld to protect a respondent: beside the unweighted ones they would reveal a small "
        "group's answers."
    ),
}


@dataclass(frozen=True)
class Note:
    """One reason: a stable ``code`` (a key of ``MESSAGES``) and the values its sentence needs."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise ValueError(f"unknown note code {self.code!r}")


Labels = Mapping[str, Mapping[str, str]]
LABELLED: Final = ("type", "service", "into")


def labels_of(questionnaire: Any) -> dict[str, dict[str, str]]:
    """Per language, the questionnaire's label of every respondent type and service code."""
    choices = [*questionnaire.respondent_type.choices, *questionnaire.service.choices]
    return {lang: {c.code: c.label(lang) for c in choices} for lang in ("th", "en")}


def _params(note: Note, lang: str, labels: Labels | None) -> dict[str, Any]:
    values = dict(note.params)
    if note.code == "trimmed":
        values["method"] = text(Note(str(values.get("method", "poststratified"))), lang)
    names = (labels or {}).get(lang, {})
    for key in LABELLED:
        if key in values:
            values[key] = names.get(str(values[key]), values[key])
    return values


def text(note: Note, lang: str, labels: Labels | None = None) -> str:
    """The note as a sentence in ``lang`` (``"th"`` or ``"en"``); English when no application is running.

    ``labels`` (language → code → label, see ``labels_of``) names respondent types and services in words.
    """
    words = wording(MESSAGES[note.code], lang)
    values = _params(note, lang, labels)
    return words % values if values else words


def describe(note: Note, labels: Labels | None = None) -> dict[str, Any]:
    """The note for JSON: its code, parameters (codes, not labels) and the sentence in Thai and English."""
    return {
        "code": note.code,
        "params": dict(note.params),
        "th": text(note, "th", labels),
        "en": text(note, "en", labels),
    }
