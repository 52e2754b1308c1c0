"""Questionnaire files (``surveys/*.yaml``): schema, loading, and typed immutable objects.

A file defines answer types (options with raw values and their scores), the two profile questions, the
indicators, the items (with optional sub-items) and which indicators make up the EIT. Scores are numbers or exact
fractions written as ``"100/3"``. Loading checks the file against :data:`SCHEMA` and then the cross-references; any
problem raises :class:`QuestionnaireError` naming the file, the field and the problem.

Per-respondent measures (:meth:`Questionnaire.measures`): an item's value is the mean of its sub-item scores, an
indicator's value the mean of its items, and ``EIT`` the mean of the EIT indicators. With every item required, the
mean of these values over respondents equals the official mean of item means.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .stats.scoring import respondent_measures

_TEXT = {
    "type": "object",
    "required": ["th", "en"],
    "properties": {"th": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}},
    "additionalProperties": False,
}
_CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}
_CHOICE = {
    "type": "object",
    "required": ["code", "th", "en"],
    "properties": {
        "code": _CODE,
        "th": {"type": "string", "minLength": 1},
        "en": {"type": "string", "minLength": 1},
    },
    "additionalProperties": False,
}
_PROFILE_QUESTION = {
    "type": "object",
    "required": ["question", "choices"],
    "properties": {"question": _TEXT, "choices": {"type": "array", "minItems": 1, "items": _CHOICE}},
    "additionalProperties": False,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "version",
        "title",
        "source",
        "answer_types",
        "profile",
        "indicators",
        "eit_indicators",
        "items",
    ],
    "additionalProperties": False,
    "properties": {
        "id": _CODE,
        "version": {"type": "string", "pattern": "^[A-Za-z0-9._-]+$"},
        "title": _TEXT,
        "source": {"type": "string", "minLength": 1},
        "answer_types": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "required": ["options"],
                "additionalProperties": False,
                "properties": {
                    "straight_line": {"type": "boolean"},
                    "show_reversed": {"type": "boolean"},
                    "options": {
                        "type": "array",
                        "minItems": 2,
                        "items": {
                            "type": "object",
                            "required": ["value", "th", "en", "score"],
                            "additionalProperties": False,
                            "properties": {
                                "value": {"type": "integer", "minimum": 0},
                                "th": {"type": "string", "minLength": 1},
                                "en": {"type": "string", "minLength": 1},
                                "score": {
                                    "oneOf": [
                                        {"type": "number", "minimum": 0, "maximum": 100},
                                        {"type": "string", "pattern": r"^\d+(/\d+)?$"},
                                    ]
                                },
                            },
                        },
                    },
                },
            },
        },
        "profile": {
            "type": "object",
            "required": ["respondent_type", "service"],
            "additionalProperties": False,
            "properties": {"respondent_type": _PROFILE_QUESTION, "service": _PROFILE_QUESTION},
        },
        "indicators": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "th", "en"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string"},
                    "th": {"type": "string"},
                    "en": {"type": "string"},
                },
            },
        },
        "eit_indicators": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "indicator", "answer_type", "th", "en"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9]*$"},
                    "indicator": {"type": "string"},
                    "answer_type": {"type": "string"},
                    "th": {"type": "string", "minLength": 1},
                    "en": {"type": "string", "minLength": 1},
                    "sub_items": {"type": "array", "minItems": 2, "items": _TEXT},
                },
            },
        },
    },
}


class QuestionnaireError(ValueError):
    """A questionnaire file is invalid: ``path``, ``field`` and ``problem`` say where and what."""

    def __init__(self, path: str | Path, field: str, problem: str) -> None:
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: {field}: {problem}")


@dataclass(frozen=True)
class Text:
    th: str
    en: str

    def __call__(self, lang: str) -> str:
        """The text in ``lang`` (Thai unless ``en``)."""
        return self.en if lang == "en" else self.th


@dataclass(frozen=True)
class Option:
    value: int
    label: Text
    score: float


@dataclass(frozen=True)
class AnswerType:
    code: str
    options: tuple[Option, ...]  # as listed in the file (lowest value first)
    straight_line: bool
    show_reversed: bool = False  # the form shows the options last first (e.g. "yes" before "no")

    @property
    def shown(self) -> tuple[Option, ...]:
        """The options in the order the form shows them."""
        return tuple(reversed(self.options)) if self.show_reversed else self.options

    def score(self, value: int) -> float:
        """The score of raw answer ``value``; ``KeyError`` if no option has it."""
        for option in self.options:
            if option.value == value:
                return option.score
        raise KeyError(value)

    @functools.cached_property  # asked once per answer of every submission (a frozen dataclass may cache)
    def values(self) -> frozenset[int]:
        return frozenset(o.value for o in self.options)


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text


@dataclass(frozen=True)
class ProfileQuestion:
    question: Text
    choices: tuple[Choice, ...]

    @functools.cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)


@dataclass(frozen=True)
class Item:
    code: str
    indicator: str
    text: Text
    answer_type: AnswerType
    sub_items: tuple[Text, ...]

    @functools.cached_property
    def keys(self) -> tuple[tuple[str, int], ...]:
        """(item, sub) pairs answered for this item; ``sub`` counts from 1 (1 alone for a plain item)."""
        return tuple((self.code, n) for n in range(1, max(1, len(self.sub_items)) + 1))


@dataclass(frozen=True)
class Indicator:
    code: str
    name: Text
    items: tuple[Item, ...]

    @property
    def measure(self) -> str:
        return f"IND{self.code}"


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    title: Text
    source: str
    respondent_type: ProfileQuestion
    service: ProfileQuestion
    indicators: tuple[Indicator, ...]
    eit_indicators: tuple[str, ...]

    # Derived once per object (cached_property writes the instance's __dict__, which a frozen dataclass allows):
    # a submission asks for these dozens of times.
    @functools.cached_property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for indicator in self.indicators for item in indicator.items)

    @functools.cached_property
    def answer_keys(self) -> tuple[tuple[str, int], ...]:
        """Every (item, sub) pair a complete response answers."""
        return tuple(key for item in self.items for key in item.keys)

    @functools.cached_property
    def _items_by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    @property
    def measure_codes(self) -> tuple[str, ...]:
        """Items, then indicators, then ``EIT``: the measures kept in the cell rollup."""
        return (*(i.code for i in self.items), *(i.measure for i in self.indicators), "EIT")

    def item(self, code: str) -> Item:
        """The item with ``code``; ``KeyError`` if there is none."""
        return self._items_by_code[code]

    @functools.cached_property
    def hierarchy(self) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
        """Each indicator's measure (``IND6``) with its item codes, and the indicators the EIT averages."""
        indicators = {ind.measure: tuple(item.code for item in ind.items) for ind in self.indicators}
        return indicators, tuple(f"IND{code}" for code in self.eit_indicators)

    def measures(self, values: Mapping[tuple[str, int], int]) -> dict[str, float]:
        """Per-respondent value of every measure from raw answers keyed by (item, sub), under the current map.

        Raises ``KeyError`` when an answer is missing or a raw value is not an option of its item.
        """
        return self.measures_of_scores(
            {key: item.answer_type.score(values[key]) for item in self.items for key in item.keys}
        )

    def measures_of_scores(self, scores: Mapping[tuple[str, int], float]) -> dict[str, float]:
        """Per-respondent value of every measure from sub-item scores keyed by (item, sub), averaged as
        :func:`survey_app.stats.scoring.respondent_measures` says (the one Python statement of the hierarchy).

        Raises ``KeyError`` when a score is missing.
        """
        indicators, eit = self.hierarchy
        by_item = {item.code: [scores[key] for key in item.keys] for item in self.items}
        return respondent_measures(by_item, indicators, eit)

    def is_straight_lined(self, values: Mapping[tuple[str, int], int]) -> bool:
        """The same answer on every sub-item of every item whose answer type is marked ``straight_line``."""
        chosen = {values[key] for item in self.items if item.answer_type.straight_line for key in item.keys}
        return len(chosen) == 1


def load(path: str | Path) -> Questionnaire:
    """Read, validate and build the questionnaire in ``path``; raises :class:`QuestionnaireError`."""
    path = Path(path)
    try:
        # libyaml's safe loader (PyYAML's wheels include it): the same documents, ten times faster.
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionnaireError(path, "(file)", f"cannot be read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise QuestionnaireError(path, "(file)", f"is not valid YAML: {exc}") from exc
    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = jsonschema.exceptions.best_match(validator.iter_errors(raw))
    if error is not None:
        raise QuestionnaireError(path, _field(error.absolute_path), error.message)
    return _build(path, raw)


def _field(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _score(path: Path, field: str, value: int | float | str) -> float:
    score = float(Fraction(value)) if isinstance(value, str) else float(value)
    if not 0 <= score <= 100:
        raise QuestionnaireError(path, field, f"score {value} is outside 0–100")
    return score


def _answer_types(path: Path, raw: dict[str, Any]) -> dict[str, AnswerType]:
    types: dict[str, AnswerType] = {}
    for code, spec in raw.items():
        options = tuple(
            Option(
                o["value"],
                Text(o["th"], o["en"]),
                _score(path, f"answer_types.{code}.options[{i}].score", o["score"]),
            )
            for i, o in enumerate(spec["options"])
        )
        if len({o.value for o in options}) != len(options):
            raise QuestionnaireError(path, f"answer_types.{code}.options", "two options share a value")
        types[code] = AnswerType(
            code, options, bool(spec.get("straight_line", False)), bool(spec.get("show_reversed", False))
        )
    return types


def _profile(path: Path, name: str, raw: dict[str, Any]) -> ProfileQuestion:
    choices = tuple(Choice(c["code"], Text(c["th"], c["en"])) for c in raw["choices"])
    if len({c.code for c in choices}) != len(choices):
        raise QuestionnaireError(path, f"profile.{name}.choices", "two choices share a code")
    return ProfileQuestion(Text(**raw["question"]), choices)


def _build(path: Path, raw: dict[str, Any]) -> Questionnaire:
    types = _answer_types(path, raw["answer_types"])
    indicator_codes = [i["code"] for i in raw["indicators"]]
    if len(set(indicator_codes)) != len(indicator_codes):
        raise QuestionnaireError(path, "indicators", "two indicators share a code")
    items_by_indicator: dict[str, list[Item]] = {code: [] for code in indicator_codes}
    seen: set[str] = set()
    for n, spec in enumerate(raw["items"]):
        where = f"items[{n}]"
        if spec["code"] in seen:
            raise QuestionnaireError(path, f"{where}.code", f"{spec['code']} appears twice")
        seen.add(spec["code"])
        if spec["indicator"] not in items_by_indicator:
            raise QuestionnaireError(path, f"{where}.indicator", f"no indicator {spec['indicator']!r}")
        if spec["answer_type"] not in types:
            raise QuestionnaireError(path, f"{where}.answer_type", f"no answer type {spec['answer_type']!r}")
        subs = tuple(Text(s["th"], s["en"]) for s in spec.get("sub_items", ()))
        item = Item(
            spec["code"], spec["indicator"], Text(spec["th"], spec["en"]), types[spec["answer_type"]], subs
        )
        items_by_indicator[spec["indicator"]].append(item)
    indicators = []
    for i, spec in enumerate(raw["indicators"]):
        if not items_by_indicator[spec["code"]]:
            raise QuestionnaireError(path, f"indicators[{i}]", f"indicator {spec['code']} has no items")
        indicators.append(
            Indicator(spec["code"], Text(spec["th"], spec["en"]), tuple(items_by_indicator[spec["code"]]))
        )
    for i, code in enumerate(raw["eit_indicators"]):
        if code not in items_by_indicator:
            raise QuestionnaireError(path, f"eit_indicators[{i}]", f"no indicator {code!r}")
    profile = raw["profile"]
    return Questionnaire(
        id=raw["id"],
        version=raw["version"],
        title=Text(**raw["title"]),
        source=raw["source"],
        respondent_type=_profile(path, "respondent_type", profile["respondent_type"]),
        service=_profile(path, "service", profile["service"]),
        indicators=tuple(indicators),
        eit_indicators=tuple(raw["eit_indicators"]),
    )


def questionnaire_files(directory: str | Path) -> list[Path]:
    """Every questionnaire file in ``directory`` (``*.yaml`` and ``*.yml``), sorted."""
    directory = Path(directory)
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


def validate_all(directory: str | Path) -> list[QuestionnaireError]:
    """Load every questionnaire file in ``directory`` and return the problems found (empty when all are valid)."""
    problems = []
    for path in questionnaire_files(directory):
        try:
            load(path)
        except QuestionnaireError as exc:
            problems.append(exc)
    return problems


@functools.cache
def _cached(path: str, mtime: float) -> Questionnaire:
    return load(path)


# (directory, id, version) → (the directory's modification time when found, the file that defined it)
_FOUND: dict[tuple[str, str, str], tuple[int, Path]] = {}


def get(directory: str | Path, questionnaire_id: str, version: str) -> Questionnaire:
    """The questionnaire ``questionnaire_id`` at ``version`` from ``directory`` (cached until the file changes).

    Every survey request asks this, so the file found last time is tried first: while the directory has the same
    modification time (no file added, removed or renamed) and that file still defines the questionnaire (its own
    modification time reloads it when edited), two ``stat`` calls answer instead of listing the directory.
    Raises ``LookupError`` if no file defines it.
    """
    key = (str(directory), questionnaire_id, version)
    listing = Path(directory).stat().st_mtime_ns
    known = _FOUND.get(key)
    if known is not None and known[0] == listing:
        try:
            candidate = _cached(str(known[1]), known[1].stat().st_mtime)
        except (OSError, QuestionnaireError):
            candidate = None
        if candidate is not None and candidate.id == questionnaire_id and candidate.version == version:
            return candidate
    for path in questionnaire_files(directory):
        candidate = _cached(str(path), path.stat().st_mtime)
        if candidate.id == questionnaire_id and candidate.version == version:
            _FOUND[key] = (listing, path)
            return candidate
    raise LookupError(f"no questionnaire {questionnaire_id} version {version} in {directory}")
