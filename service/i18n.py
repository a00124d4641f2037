"""Every word the service writes for a person, in English and French, from one gettext catalogue.

Code writes English and marks it: ``said("{item} of {lesion}", item=..., lesion=...)`` is a ``Said``,
a ``str`` whose value is the English text, which also remembers its template and parameters; plain
interface words are marked ``N_("Total")``. The layer that answers a person (``render/``, the web
pages, the command line) turns them into the reader's language with ``translate(text, locale)``:
the template is looked up in ``locale/fr/LC_MESSAGES/messages.po``, and each parameter is translated
in turn. The facts layer thus stays free of languages, and a message composed of others (a note that
quotes a reason) is translated whole.

The catalogue is a standard PO file, read with Babel; ``pybabel extract`` finds every marked string
(the keywords ``said``, ``N_`` and ``say``, the local helpers that call ``said``; the commands are in
the catalogue's header), and ``tests/test_i18n.py`` fails on any string that is not translated, and
on English left in any French output of any example through any door. Clinical
content (the tables' items, categories, recommendations and caveats) is not here: it comes from
``seeds/``, in both languages, from the guideline itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

# The languages the service speaks (its catalogue and the tables of seeds/), and the one it speaks unasked.
LOCALES = ("en", "fr")
DEFAULT_LOCALE = "en"
DOMAIN = "messages"
# BCP-47 (RFC 5646) well-formed tags, as FHIR's language codes are: a primary language of 2-3 letters, then
# subtags (script, region, variants...) of 1-8 letters or digits. "fr-FR", "fr-CA", "en-GB" name French, English.
_BCP47 = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


class AcceptedLanguages(Protocol):
    """An HTTP ``Accept-Language`` header as Werkzeug reads it (``request.accept_languages``)."""

    def best_match(self, matches: Iterable[str]) -> str | None: ...


def spoken_language(tag: Any) -> str | None:
    """The one of ``LOCALES`` a BCP-47 tag names ("fr-FR" -> "fr"), or None when it is not a well-formed
    tag or names another language."""
    if not isinstance(tag, str) or not _BCP47.fullmatch(tag):
        return None
    primary = tag.split("-")[0].lower()
    return primary if primary in LOCALES else None


def negotiate(*asked: str | None, accept: AcceptedLanguages | None = None) -> str:
    """The language to answer in, the one way every door chooses it: the first of ``asked`` (in the order
    the door trusts them: a flag or query parameter, a request's own language, a kept assessment's) that the
    service speaks, a BCP-47 tag's language too ("fr-FR"); else the best of the HTTP ``Accept-Language``
    header; else ``DEFAULT_LOCALE``. A language it does not speak is passed over, never an error here: a door
    that must refuse one (``$assess``'s ``language``) checks it with ``spoken_language`` first."""
    for tag in asked:
        language = spoken_language(tag)
        if language is not None:
            return language
    if accept is not None:
        return accept.best_match(LOCALES) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


class Said(str):
    """English text that remembers how it was made, so that it can be said in another language."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, params: dict[str, Any]) -> Said:
        for value in params.values():
            if isinstance(value, (list, tuple)):
                params_in_english = {name: _english(value) for name, value in params.items()}
                break
        else:
            params_in_english = params
        text = super().__new__(cls, template.format_map(params_in_english))
        text.template, text.params = template, params
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by the bulk workers and Spark
        return Said, (self.template, self.params)


def said(template: str, /, **params: Any) -> Said:
    """A message: ``template`` (English, ``str.format`` fields) with its parameters. A parameter may
    itself be a ``Said``, or a list or tuple of them (joined with "; ")."""
    if params:
        return Said(template, params)
    plain = _PLAIN.get(template)  # a message without parameters is made once: templates are the code's own
    if plain is None:
        plain = _PLAIN[template] = Said(template, {})
    return plain


_PLAIN: dict[str, Said] = {}


def joined(parts: Iterable[Any]) -> Said:
    """Several messages said one after the other, separated by "; " (each in the reader's language)."""
    return Said("{parts}", {"parts": list(parts)})


def N_(text: str) -> str:
    """Marks an interface word for the catalogue; ``translate`` says it in the reader's language."""
    return text


def _english(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


@cache
def catalogue(locale: str) -> dict[str, str]:
    """msgid -> translation, for ``locale`` (empty for English, the language of the code)."""
    if locale == "en":
        return {}
    from babel.messages.pofile import read_po  # read once per process

    from .data import data_dir  # here: pathlib is not imported by what speaks English only (`bonemet assess --help`)

    path = data_dir("locale") / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with open(path, "rb") as po:
        parsed = read_po(po, locale=locale)
    return {message.id: message.string for message in parsed
            if isinstance(message.id, str) and message.id and isinstance(message.string, str) and message.string
            and not message.fuzzy}


def translate(text: Any, locale: str) -> str:
    """``text`` in ``locale``: a ``Said`` from its template, a marked word from the catalogue, anything
    else (a reference, a code, a value from the record) as it is."""
    if not isinstance(text, str):
        return str(text)
    if locale == "en":
        return str.__str__(text)  # a plain str, whatever it was made from
    words = catalogue(locale)
    if isinstance(text, Said):
        template = words.get(text.template, text.template)
        return template.format(**{name: _translated(value, locale) for name, value in text.params.items()})
    return words.get(text, text)


def _translated(value: Any, locale: str) -> Any:
    if isinstance(value, (list, tuple)):
        return "; ".join(translate(v, locale) for v in value)
    if isinstance(value, Said):
        return translate(value, locale)
    if hasattr(value, "said_in"):  # a value quoted in words (calculators.values.Shown)
        return value.said_in(locale)
    return value  # a reference, a code, a number: said the same in every language


class Words:
    """A table of interface words, written in English (each marked ``N_``): ``table[locale]`` is the
    same table in ``locale``, from the catalogue."""

    def __init__(self, english: dict[str, str]) -> None:
        self.english = english
        self._by_locale: dict[str, dict[str, str]] = {}

    def __getitem__(self, locale: str) -> dict[str, str]:
        if locale not in LOCALES:
            raise KeyError(locale)
        if locale not in self._by_locale:
            self._by_locale[locale] = {key: translate(text, locale) for key, text in self.english.items()}
        return self._by_locale[locale]


def printable(name: str) -> str:
    """A name (a file's) as said in a message: as is when it holds no control character, else quoted and
    escaped as Python writes it (``'a\\x1b[31m.json'``): what reaches a terminal or a log is text, never a
    control sequence."""
    return name if name.isprintable() else repr(name)


# -- French typography, at the edge where text meets a person ---------------------------------------
# The rules and their patterns are in ``typography.py``, imported the first time French is set: a reader of
# English (a cold ``bonemet assess``) does not compile them.


def typeset(text: str, locale: str) -> str:
    """``text`` as a person reads it in ``locale``: in French, a narrow no-break space before ":" ";" "?"
    "!" and "%" and inside « » (quotes “ ” become « »), and days as JJ/MM/AAAA (``typography.py``).
    Idempotent; English is untouched. Only for text that is not a FHIR string."""
    if locale != "fr" or not text:
        return text
    from .typography import french_text

    return french_text(text)


def said_for_reading(text: Any, locale: str) -> str:
    """``translate`` then ``typeset``: a message as a page or a terminal shows it."""
    return typeset(translate(text, locale), locale)


def typeset_html(page: str, locale: str) -> str:
    """An HTML page set in French typography: only text between tags (never an attribute, a URL in an
    ``href``, an entity's ";" or a ``<pre>``, ``<textarea>``, ``<script>`` or ``<code>``)."""
    if locale != "fr":
        return page
    from .typography import french_html

    return french_html(page)
