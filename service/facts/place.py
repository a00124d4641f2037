"""Where a lesion is, said as a surgeon reads it: the bone, its side, the femoral region.

A surgeon checks the side first, so the side is always said: "left femur, peritrochanteric region",
"fémur gauche, région trochantérienne", and "femur (side not stated)" when the record does not say it.
The words of each code are the ``designation`` the ValueSets of ``fhir_profiles/`` give it, in English and
French (``terminology.listed_words``); a code they do not list is said in the record's own words.

A side read from the bodySite's text ("left", "gauche"), never from a code, is flagged and said so: it is
shown and keeps two lesions apart, but it never links an observation or an order to a lesion.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import Any

import msgspec

from ..data import read_json
from ..i18n import said, translate
from .terminology import (
    ICD10_CM,
    ICD_O_3,
    SNOMED,
    Terminology,
    canonical_system,
    describe_concepts,
    is_icd10,
    listed_words,
    load_terminology,
)

LEFT, RIGHT, BOTH_SIDES = "7771000", "24028007", "51440002"  # SNOMED CT laterality qualifiers (ValueSet laterality)

# French nouns of the ValueSets' designations that are feminine, so that "droit" agrees ("ulna droite").
_FEMININE_IN_FRENCH = frozenset({"23416004", "87342007", "51282000", "113197003", "79601000", "C411", "C412"})
# Bones on the midline: their side is not asked for (a vertebra, the sacrum, the sternum), so "side not stated" is not
# said.
_MIDLINE = frozenset({"51282000", "421060004", "122494005", "122495006", "122496007", "54735007", "64688005",
                      "56873002", "C411", "C412"})


def on_the_midline(bone: str | None) -> bool:
    """A bone that has no side (a vertebra, the sacrum, the sternum): two records of it are of the same bone."""
    return bool(bone) and str(bone).replace(".", "").upper() in _MIDLINE


_FEMUR = "71341001"
# Codes of a group of bones, each of which may be a site of its own (twelve ribs a side): records of it are vague,
# two of them on one side may be two bones.
SEVERAL_BONES = frozenset({"113197003"})  # SNOMED CT rib
# The spine's codes (vertebra, vertebral column, its regions, the sacrum; ICD-O-3 C41.2), and the letter a level of
# each region is written with ("L2"): shared by the summaries, §1.5's count, §1.1 and the twin compressions.
SPINE_REGIONS = frozenset({"51282000", "421060004", "122494005", "122495006", "122496007", "54735007", "C41.2",
                           "C412"})
SACRUM = "54735007"  # one bone: its levels are one bone's
SPINE_REGION_LETTER = {"122494005": "C", "122495006": "T", "122496007": "L", "54735007": "S"}
_A_LEVEL = re.compile(r"[CTLSD]\d{1,2}(\s*-\s*[CTLSD]?\d{1,2})?", re.IGNORECASE)  # "T12", "L2-L3": a summary keeps it
_LONGEST_WRITTEN = 48  # the record's words beside a place, cut: a card's summary has 140 characters in all
_LEFT_WORDS = re.compile(r"\b(left|gauche)\b", re.IGNORECASE)
_RIGHT_WORDS = re.compile(r"\b(right|droite?)\b", re.IGNORECASE)
_FEMUR_WORDS = re.compile(r"\b(f[eé]mur|femoral|fémoral)\b", re.IGNORECASE)
_BOTH_WORDS = re.compile(r"\b(bilat[eé]ral(e|es)?|both sides|des deux c[oô]t[eé]s)\b", re.IGNORECASE)


class Place(msgspec.Struct, frozen=True):
    """A lesion's place: the bone's code (SNOMED CT, or an ICD-O-3 topography), the SNOMED CT laterality
    code, the femoral region's code (a ``(system, code)``), and the record's own words, said when a code is
    not one the ValueSets list. ``side_from_text``: the side was read from the bodySite's words, no code
    giving one."""

    bone: str | None = None
    side: str | None = None
    region: tuple[str, str] | None = None
    record_words: str = ""
    side_from_text: bool = False
    bone_system: str = SNOMED
    written: str = ""  # the bodySite's text, as the record writes it
    qualifiers: str = ""  # its location qualifiers no code here reads ("Proximal"), as the record words them
    sides_disagree: bool = False  # left and right both recorded for it (``side`` is then None)
    # Several bones coded, no words of the record's own (``bone`` is then None): (system, code, side or ""), said in
    # the reader's words ("left femur, right humerus"), not in the codes' displays.
    bones: tuple[tuple[str, str, str], ...] = ()

    def words(self, locale: str = "en", as_written: bool = True) -> str:
        """The place in ``locale``: "left femur, peritrochanteric region", "humérus droit", "femur (side not
        stated)"; the record's words when the bone is not a code the ValueSets list."""
        # A pure function of the place and the ValueSets' words: worked out once (a card, its summary, its
        # resources' narratives and the page ask the same place a dozen times a request), the ValueSets in the key.
        try:
            return _words(self, locale, as_written, load_terminology())
        except TypeError:  # a field that cannot be hashed (the readers make none): worked out uncached
            return self._words(locale, as_written)

    def _words(self, locale: str, as_written: bool) -> str:
        bone = listed_words(self.bone_system, self.bone, locale)
        named = [_with_side(system, code, side, locale) if side or code.replace(".", "").upper() in _MIDLINE else
                 translate(said("{bone} (side not stated)", bone=words), locale) if (words := listed_words(
                     system, code, locale)) else "" for system, code, side in self.bones]
        if not self.bone and named and all(named):  # two bones coded (an operation's femur and humerus): both named,
            return " + ".join(named)  # each with its side, or "side not stated" (review 33: "tibia, left femur"); one
            # clause, which a summary short of room keeps whole (never the first bone alone)
        if not bone or not self.bone:  # the record's words, quoted: no code here says the bone (nor that it is one)
            return translate(said("“{words}” (as written)", words=self.record_words), locale) if self.record_words \
                else ""
        key = self.bone.replace(".", "").upper()  # an ICD-O-3 topography is written with or without its dot
        group = canonical_system(self.bone_system) == ICD_O_3 and key not in _MIDLINE  # several bones
        side = listed_words(SNOMED, self.side, locale) if self.side else None
        if self.side == BOTH_SIDES:
            text = translate(said("{bone}, both sides", bone=bone), locale)
        elif side and group:
            text = translate(said("{bone}, {side} side", bone=bone, side=side), locale)
        elif side:
            text = _with_side(self.bone_system, self.bone, self.side or "", locale)
        elif key in _MIDLINE:
            text = bone
        elif self.sides_disagree:
            text = translate(said("{bone} (left and right both recorded)", bone=bone), locale)
        else:
            text = translate(said("{bone} (side not stated)", bone=bone), locale)
        region = listed_words(*self.region, locale) if self.region else None
        if region:
            text = f"{text}, {region}"
        if side and self.side_from_text:
            text = translate(said("{place} (side read from the text)", place=text), locale)
        if not as_written:  # a summary short of room: the detail quotes the record's words, a level kept ("T12")
            level = self.written.strip()
            region = SPINE_REGION_LETTER.get(key)  # a level of another region than the code's contradicts it: not kept
            return translate(said("{place} “{level}”", place=text, level=level), locale) \
                if key in SPINE_REGIONS and _A_LEVEL.fullmatch(level) and region in (None, level[0].upper().replace(
                    "D", "T")) else text  # as written: "D10"
        # A femur with no region coded: its region decides its Mirels row, and the record's words may say it.
        unplaced = key == _FEMUR and self.region is None and _beyond_bone_and_side(self.written)
        # A rib is one of twelve a side: its words ("7e côte D") say which, as a vertebra's level does (probe 25).
        return self._as_written(text, side is None and key not in _MIDLINE,
                                key in _MIDLINE or key in SEVERAL_BONES or unplaced, locale)

    def _as_written(self, text: str, no_side: bool, coarse: bool, locale: str) -> str:
        """The place, with the record's own words where they may say more than the codes read: a level of the
        spine ("L1" for "lumbar spine"), a side not coded ("L femur"), a part of the bone ("proximal", "diaphyse")."""
        extra = [self.qualifiers] if self.qualifiers else []
        if self.written and (no_side or coarse or self.qualifiers) and self.written.casefold() != text.casefold():
            extra.append(self.written)
        if not extra:
            return text
        written = "; ".join(extra)
        written = written if len(written) <= _LONGEST_WRITTEN else written[:_LONGEST_WRITTEN - 1].rstrip() + "…"
        return translate(said("{place} (“{written}” in the record)", place=text, written=written), locale)

    def said_in(self, locale: str) -> str:  # a place quoted in a message is said in the reader's language
        return self.words(locale)

    def __str__(self) -> str:
        return self.words("en")


@lru_cache(maxsize=2048)  # bounded: a place holds the record's words
def _words(place: Place, locale: str, as_written: bool, _terminology: Terminology) -> str:
    return place._words(locale, as_written)


def _beyond_bone_and_side(text: str) -> bool:
    """Whether a femur's text says more than its bone and side ("fémur droit, diaphyse", not "Fémur droit")."""
    rest = _FEMUR_WORDS.sub("", _RIGHT_WORDS.sub("", _LEFT_WORDS.sub("", text)))
    return bool(re.sub(r"[\W_]+", "", rest))


def _with_side(system: str, code: str, side: str, locale: str) -> str:
    """A bone with its side in the reader's words ("left femur", "humérus droit", "côte gauche"); "" for a code the
    ValueSets do not list."""
    bone, side_words = listed_words(system, code, locale), listed_words(SNOMED, side, locale) if side else None
    if not bone or not side_words:
        return bone or ""
    if locale == "fr" and code.replace(".", "").upper() in _FEMININE_IN_FRENCH and not side_words.endswith("e"):
        side_words += "e"
    return translate(said("{side} {bone}", side=side_words, bone=bone), locale)


# Abbreviated sides ("R femur", "fémur G"), capitals standing alone ("L3", "D7" are levels): read only to see that a
# text disagrees with a coded side, never as a side.
_LEFT_ABBREVIATED = re.compile(r"(?<![\w.])(L|Lt|G)\.?(?![\w.])")
_RIGHT_ABBREVIATED = re.compile(r"(?<![\w.])(R|Rt|D|Dt)\.?(?![\w.])")


# A long bone's name in words, English and French (its adjective too: "fémorale"), by its SNOMED CT code.
BONE_WORDS = {code: re.compile(pattern, re.IGNORECASE) for code, pattern in {
    "71341001": r"\bf[eé]m(ur|oral)", "85050009": r"\bhum[eé]r", "12611008": r"\btibi",
    "87342007": r"\b(fibula|p[eé]ron[eé])", "62413002": r"\bradius", "23416004": r"\b(ulna|cubitus)"}.items()}


def one_long_bone(words: str) -> str | None:
    """The one long bone (SNOMED CT) words name ("Enclouage centromédullaire fémur G"), or None (none, or two)."""
    named = [code for code, pattern in BONE_WORDS.items() if pattern.search(words)]
    return named[0] if len(named) == 1 else None


# "fémur (proximal) droit", "fémur G"; "left (proximal) femur", "R femur".
_SIDE_AFTER = re.compile(r"^\w*\s+(?:(?:\w+\s+){0,2}(gauche|droite?)\b|(G|D)\b)", re.IGNORECASE)
_SIDE_BEFORE = re.compile(r"\b(?:(left|right)\s+(?:\w+\s+)?|(L|R)\s+)$", re.IGNORECASE)


# A diagnosis's words: only a side right beside the bone's name, a word of where on it between at most ("humérus
# proximal gauche", "left proximal humerus"); one further on may be the primary's ("Métastase humérale sein gauche").
_WHERE_ON_IT = r"(?:(?:proximale?|distale?|sup[ée]rieure?|inf[ée]rieure?|shaft|diaphys\w*)\s+)?"
_SIDE_NEXT_AFTER = re.compile(rf"^\w*[\s,]+{_WHERE_ON_IT}(?:((?i:gauche|droite?|left|right))\b|([GD])\b"
                              r"(?!\.\s?[A-Z][a-z]))")  # "fémur D. Martin": a doctor's initial (review 26)
_SIDE_NEXT_BEFORE = re.compile(rf"(?:\b((?i:left|right))|\b([LR]))\s+{_WHERE_ON_IT}$")


_SIDE = r"(?:droite?|gauche|left|right|bilat\w*|[dglr])\b\.?"
_BOTH_AFTER = re.compile(rf"\w*\s*(?:bilat|{_SIDE}\s*(?:et|and|\+|/|&|,)\s*{_SIDE})", re.IGNORECASE)


def both_beside(words: str, bone: str) -> bool:
    """Both sides written right after the bone's name ("fémur D et G", "fémurs gauche et droit", "fémur bilatéral"),
    not a side elsewhere in the words ("RTE fémur D - néo sein G" is the right femur: review 30)."""
    pattern = BONE_WORDS.get(bone)
    return pattern is not None and any(_BOTH_AFTER.match(words, found.end()) for found in pattern.finditer(words))


def side_beside_bone(text: str, bone: str, next_to: bool = False) -> str | None:
    """The side an order's name writes beside this long bone's name ("RTE fémur droit 8 Gy", "left femur 8 Gy";
    "G"/"D", "L"/"R" only right against it): another bone's side ("fémur + humérus D"), a side elsewhere in the words
    ("côté droit déjà irradié") or a stray capital ("Dr D. Martin") is none of it (review 18). ``next_to``: a
    diagnosis's words, read more strictly (``_SIDE_NEXT_AFTER``)."""
    pattern = BONE_WORDS.get(bone)
    if (not next_to and side_written(text) == BOTH_SIDES) or both_beside(text, bone):  # "gauche et droit": which is
        return None  # not said ("fémur G et D" read as the left femur: review 35)
    after_it, before_it = (_SIDE_NEXT_AFTER, _SIDE_NEXT_BEFORE) if next_to else (_SIDE_AFTER, _SIDE_BEFORE)
    sides = set()
    for found in pattern.finditer(text) if pattern else ():
        after, before = after_it.match(text[found.end():]), before_it.search(text[:found.start()])
        for word in (after and (after.group(1) or after.group(2)), before and (before.group(1) or before.group(2))):
            if word:
                sides.add(LEFT if word.lower() in ("gauche", "left", "g", "l") else RIGHT)
    return sides.pop() if len(sides) == 1 else None


def checked_side(place: Place | None) -> str | None:
    """The side an order's side check takes of a place: its code's, else its words' only right beside the bone's name
    ("Métastase humérale sein gauche", read as a left humerus for the card, gives none: review 35)."""
    if place is None or not place.side_from_text:
        return place.side if place else None
    words = place.written or place.record_words
    return side_beside_bone(words, place.bone, next_to=True) if place.bone and words else None


def bone_and_side(place: Place | None) -> tuple[str | None, str | None]:
    """The long bone and side a place's codes give, else those its own words write, the side only right beside the
    bone's name ("fémur gauche"; "Métastase humérale sein gauche" gives no side): to tell which of two femurs an order
    is for, never to score."""
    if place is None or place.bone:
        return (place.bone, checked_side(place)) if place else (None, None)
    words = place.written or place.record_words
    bone = one_long_bone(words) if words else None
    return bone, side_beside_bone(words, bone, next_to=True) if bone else None


def side_written(text: str) -> str | None:
    """The side a bodySite's own text states, abbreviations included: to see that it disagrees with its code."""
    left = bool(_LEFT_WORDS.search(text) or _LEFT_ABBREVIATED.search(text))
    right = bool(_RIGHT_WORDS.search(text) or _RIGHT_ABBREVIATED.search(text))
    if _BOTH_WORDS.search(text) or (left and right):
        return BOTH_SIDES
    return LEFT if left else RIGHT if right else None


# An extension's name that says it holds a side: "…/laterality", "…/lesion-laterality-v2", "…/body-side", "…/bodySide"
# (probe 29: Cerner's "D" as a valueString, and one named "body-side", were said nowhere: "humerus (side not stated)").
_NOT_AN_EFFECT = r"(?![a-z]|[-_]?[Ee]ffect)"  # "…/side-effect" holds no side (review 35)
_NAMES_A_SIDE = re.compile(rf"laterality|(?<![A-Za-z])[Ss]ide{_NOT_AN_EFFECT}|(?<=[a-z])Side{_NOT_AN_EFFECT}")


def side_extension_words(extension: dict[str, Any]) -> str:
    """The words of an extension whose name says it holds a side, as the record writes them: its text or display, its
    code, or its string ("D"); "" for another extension."""
    url = extension.get("url")
    if not isinstance(url, str) or not (
            "laterality" in url.lower() or _NAMES_A_SIDE.search(url.rstrip("/").rpartition("/")[2])):
        return ""
    value = extension.get("valueString")
    if isinstance(value, str):
        return value.strip()
    coding = extension.get("valueCoding")
    return describe_concepts([extension.get("valueCodeableConcept"), {"coding": [coding]}
                              if isinstance(coding, dict) else None])


def side_in_words(concepts: list[Any]) -> str | None:
    """The side the bodySite's text states ("left femur", "fémur droit"), for a bodySite no code of which
    gives one: left, right, or both when it names both or says bilateral; None when it says none."""
    texts = " ".join(c["text"] for c in concepts if isinstance(c, dict) and isinstance(c.get("text"), str))
    left, right = bool(_LEFT_WORDS.search(texts)), bool(_RIGHT_WORDS.search(texts))
    if _BOTH_WORDS.search(texts) or (left and right):
        return BOTH_SIDES
    return LEFT if left else RIGHT if right else None


@cache
def _fracture_sites() -> tuple[dict[str, tuple[str, str | None]], dict[str, str]]:
    """From ``seeds/fracture_sites.json``: ICD-10-CM pathological fracture code without its dot -> (bone, side),
    and ICD-10 fracture subcategory without its dot (S72, S423) -> bone."""
    raw = read_json("seeds", "fracture_sites.json")
    return ({code.replace(".", ""): (row["bone"], row["side"]) for code, row in raw["codes"].items()},
            {code.replace(".", ""): row["bone"] for code, row in raw["categories"].items()})


def fracture_place(coding: dict[str, Any]) -> Place | None:
    """The bone, and the side when it is certain, of a fracture code, so that a fracture can be matched to a
    lesion on bone and side; None for a code the table does not list. An ICD-10-CM pathological fracture code
    states both (M84.552A: left femur); an injury code of any ICD-10 edition states the bone (S72: femur), and
    an ICD-10-CM one its side in its title ("... of left femur"), read from the coding's display. The 7th
    character (the encounter) does not change the place."""
    system, code = coding.get("system"), coding.get("code")
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    system, key = canonical_system(system), code.strip().replace(".", "").upper()
    display = coding.get("display") if isinstance(coding.get("display"), str) else None
    pathological, injuries = _fracture_sites()
    if system == ICD10_CM and (found := pathological.get(key[:6])) is not None:
        return Place(found[0], found[1], record_words=display or code)
    # The most specific first: a collapsed vertebra's region is in its 5th character (M48.56: lumbar).
    bone = (injuries.get(key[:5]) or injuries.get(key[:4]) or injuries.get(key[:3])) if is_icd10(system) else None
    if bone is None:
        return None
    # An ICD-10-CM title names the side its characters state; WHO ICD-10 and CIM-10 have no side.
    side = side_in_words([{"text": display}]) if system == ICD10_CM and display and not on_the_midline(bone) else None
    return Place(bone, side if side in (LEFT, RIGHT) else None, record_words=display or code)


# A fracture whose code places no bone, its words naming the spine (probe 22, g4: M84.48 "Fracture pathologique
# vertèbre D7 (tassement)" was said nowhere near the SINS of D7): its level is never read from them.
# Only words that name the spine alone ("cervical", "dorsal", "spine" also name a femoral neck, a displacement, an
# iliac or scapular spine: review 24), and no long bone named beside them.
_SPINE_WORDS = re.compile(r"\b(vert[eèé]br|rachi)", re.IGNORECASE)


def spine_in_words(words: str) -> bool:
    """Whether a record's words place it at the spine alone (a fracture's, read where its code places no bone)."""
    return bool(_SPINE_WORDS.search(words)) and not any(bone.search(words) for bone in BONE_WORDS.values())
