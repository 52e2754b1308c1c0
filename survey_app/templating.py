"""Template helpers: Buddhist-era dates for Thai readers, a language switch that keeps the page, and the two ways
services reach the application's templates and catalogues without knowing of Flask (:func:`render`,
:func:`translate`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, has_app_context, has_request_context, render_template, request
from flask_babel import force_locale, get_locale, get_translations, gettext
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
BUDDHIST_ERA_OFFSET = 543


def current_lang() -> str:
    """``th`` or ``en`` for the current request."""
    return "en" if str(get_locale()) == "en" else "th"


def format_date(value: dt.date | dt.datetime | None, lang: str | None = None) -> str:
    """``25 พ.ย. 2569`` for Thai readers (Buddhist era), ``25 Nov 2026`` for English ones."""
    if value is None:
        return ""
    lang = lang or current_lang()
    if lang == "th":
        return f"{value.day} {THAI_MONTHS[value.month - 1]} {value.year + BUDDHIST_ERA_OFFSET}"
    return f"{value.day} {value.strftime('%b')} {value.year}"


def format_datetime(value: dt.datetime | None, lang: str | None = None) -> str:
    """A date as :func:`format_date` followed by the time of day in 24-hour form."""
    if value is None:
        return ""
    return f"{format_date(value, lang)} {value.strftime('%H:%M')}"


def switch_lang_url(lang: str) -> str:
    """The current URL with ``lang`` set, keeping every other query parameter."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def render(template: str, /, **context: Any) -> str:
    """The application's ``template`` rendered with ``context`` (emails; needs an application context)."""
    return render_template(template, **context)


def translate(message: str, lang: str, **values: Any) -> str:
    """``message`` (English, ``%(name)s`` placeholders) in ``lang`` through the catalogues; the English filled in
    when no application is running."""
    if not has_app_context():
        return message % values if values else message
    with force_locale(lang):
        return str(gettext(message, **values))


_WORDING: dict[tuple[int, str, str], str] = {}


def wording(message: str, lang: str) -> str:
    """``message`` in ``lang`` without filling its placeholders (the caller does), looked up once per application
    and language: switching the locale costs about 40 µs, and the national table gives two reasons per office in
    both languages (152 sentences). English when no application is running."""
    if not has_app_context():
        return message
    key = (id(current_app._get_current_object()), lang, message)  # type: ignore[attr-defined]
    found = _WORDING.get(key)
    if found is None:
        found = _WORDING[key] = translate(message, lang)
    return found


def _catalogue() -> Any:
    """Flask-Babel's translations for the current locale, found once per application context and locale: its own
    lookup costs three context lookups and the locale's name on every message, and the office page has about 180
    messages. Keyed by the locale object, so a template rendered under ``force_locale`` gets that locale's."""
    locale = get_locale()
    if locale is None:  # no application context: Flask-Babel's empty translations
        return get_translations()
    kept = g.get("_templating_catalogue")
    if kept is None or kept[0] is not locale:
        kept = g._templating_catalogue = (locale, get_translations())
    return kept[1]


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
    """``_()`` and ``gettext()`` in templates, as Jinja's i18n extension (new style) makes them from Flask-Babel's
    translations: ``message`` in the current language, always %-formatted with ``variables`` (escaped where the
    template autoescapes), in one call instead of three (the extension's ``_`` resolves ``gettext``, which calls
    Flask-Babel's lookup)."""
    return _translated(_catalogue(), eval_ctx.autoescape, message, variables)


def _translated(catalogue: Any, autoescape: bool, message: str, variables: dict[str, Any]) -> str:
    text: str = catalogue.ugettext(message)
    if autoescape:
        text = Markup(text)  # noqa: S704 - the catalogue's own text, as the i18n extension marks it
    return text % variables


def _render_language() -> dict[str, Any]:
    """``_()``, ``gettext()`` and ``current_lang()`` bound to the locale at the start of a render (a context processor:
    once per ``render_template``, whose includes share its context), so each of a page's messages costs one lookup
    in it; the globals remain for what renders without that context (macros imported without context) and
    outside a request (emails from the command line, whose language is chosen where a message is asked for)."""
    if not has_request_context():
        return {}
    catalogue = _catalogue()
    lang = current_lang()

    @pass_eval_context
    def bound(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        return _translated(catalogue, eval_ctx.autoescape, message, variables)

    return {"_": bound, "gettext": bound, "current_lang": lambda: lang}


def init_templating(app: Flask) -> None:
    """Register the filters and globals the templates use (static URLs are fingerprinted by ``static_files``)."""
    # Replaces the callables Flask-Babel installed (babel.init_app runs first).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
    app.context_processor(_render_language)
    app.add_template_filter(format_date, "thaidate")
    app.add_template_filter(format_datetime, "thaidatetime")
    app.add_template_global(current_lang)
    app.add_template_global(switch_lang_url)
