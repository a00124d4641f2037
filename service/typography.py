"""French typography, at the edge where text meets a person (``i18n.typeset`` and ``i18n.typeset_html``).

French sets a narrow no-break space (U+202F) before ":" ";" "?" "!" and inside « »; it is applied where
text is rendered for a person (cards, pages, the command line), never to FHIR strings, whose R4 pattern
refuses U+00A0 and U+202F: the catalogue keeps plain spaces and these functions set the rest. Days are
written JJ/MM/AAAA, the form French clinical records and prescriptions use (compact in a 140-character
summary, and what a French EHR shows). Imported only when French is set, so that its patterns are not
compiled for a reader of English.
"""

from __future__ import annotations

import re

THIN = "\u202f"
# A punctuation mark that ends a phrase (space, end, closing mark or Markdown emphasis after it), after a
# word or a closing mark (never a backslash: a Markdown escape stays whole); a space before it is replaced.
# "://", "12:30", "?lang=" and "&amp;" are left alone: none is followed by a space or an end. Found by the mark and
# what follows it, then what is before it is checked (``_high_punctuation``): a pattern that starts with a look
# behind is tried at every character of the text, three times slower.
_HIGH_PUNCTUATION = re.compile(r"[:;?!](?=[\s*_)\]»”\"'|<]|$)")
_SPACES = " \u00a0\u202f"  # the space replaced before a mark
_BEFORE_MARK = re.compile(r"[^\s\\]")
_GUILLEMETS = re.compile(r"«[ \u00a0\u202f]?(.*?)[ \u00a0\u202f]?»", re.DOTALL)
_QUOTES = re.compile(r"“(.*?)”", re.DOTALL)
_PERCENT = re.compile(r"[ \u00a0]?%")  # "67 %": a number and its sign never part (the digit before it: ``french_text``)
_DIGIT = re.compile(r"\d")
# A day written as FHIR writes it (2026-12-06), standing alone (not inside an id, a datetime or a path: the character
# before it is checked in ``french_date``).
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?![\w\-:])")
_BEFORE_DAY = re.compile(r"[\w\-/.:]")
# Text nodes of an HTML page, outside the elements whose text is code or FHIR JSON.
_HTML_PARTS = re.compile(r"(?is)(<(pre|textarea|script|style|code)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")
_KEPT_ENTITY = re.compile(r"\x00(\d+)\x00")


def french_date(day: str) -> str:
    """``2026-12-06`` as French clinical records write a day, ``06/12/2026`` (JJ/MM/AAAA)."""
    if "-" not in day:
        return str.__str__(day)
    return _ISO_DAY.sub(lambda m: m.group(0) if m.start() and _BEFORE_DAY.match(day, m.start() - 1)
                        else f"{m.group(3)}/{m.group(2)}/{m.group(1)}", day)


def french_text(text: str) -> str:
    """``text`` set in French typography. Idempotent."""
    # Each pattern is tried only where the character it needs is in the text: most of a page's text nodes (a
    # table's cells, a name) hold none, and five passes each cost more than the checks. A plain str comes out, as
    # from the patterns (a ``Said`` may come in).
    text = str.__str__(text)
    if "“" in text:
        text = _QUOTES.sub(lambda m: f"«{m.group(1)}»", text)
    if "«" in text:
        text = _GUILLEMETS.sub(lambda m: f"«{THIN}{m.group(1).strip()}{THIN}»", text)
    if ":" in text or ";" in text or "?" in text or "!" in text:
        text = _high_punctuation(text)
    if "%" in text:
        text = _PERCENT.sub(lambda m: THIN + "%" if m.start() and _DIGIT.match(text, m.start() - 1) else m.group(0),
                            text)
    return french_date(text)


def _high_punctuation(text: str) -> str:
    """A narrow no-break space before each ":" ";" "?" "!" that ends a phrase (a space, an end, a closing mark or
    Markdown emphasis after it) after a word or a closing mark (never a space nor a backslash: a Markdown escape
    stays whole); a space before it is replaced. "://", "12:30", "?lang=" and "&amp;" are left alone."""
    pieces: list[str] = []
    done = 0
    for mark in _HIGH_PUNCTUATION.finditer(text):
        at = mark.start()
        if at and text[at - 1] in _SPACES:  # the space goes, when a word or a closing mark is before it
            if at >= 2 and _BEFORE_MARK.match(text, at - 2):
                pieces += (text[done:at - 1], THIN, mark.group(0))
                done = at + 1
        elif at and _BEFORE_MARK.match(text, at - 1):
            pieces += (text[done:at], THIN, mark.group(0))
            done = at + 1
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def french_html(page: str) -> str:
    """An HTML page set in French typography, in its text nodes only."""
    pieces = _HTML_PARTS.split(page)  # text, markup, the markup's element name (or None), text, ...
    # Every third piece is text (most of them empty, between two tags), each set on its own; sliced and put back
    # in place rather than walked one piece at a time.
    texts = pieces[0::3]
    for index, text in enumerate(texts):
        if text:
            texts[index] = _french_text_node(text)
    pieces[0::3] = texts
    del pieces[2::3]
    return "".join(pieces)


def _french_text_node(text: str) -> str:
    # An entity's ";" is markup: set aside while the text is set, then put back.
    entities: list[str] = []

    def keep(match: re.Match[str]) -> str:
        entities.append(match.group(0))
        return f"\x00{len(entities) - 1}\x00"

    set_text = french_text(_ENTITY.sub(keep, text) if "&" in text else text) if text else text
    return _KEPT_ENTITY.sub(lambda m: entities[int(m.group(1))], set_text) if "\x00" in set_text else set_text
