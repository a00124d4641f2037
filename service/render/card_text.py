"""The small parts every card is made of: its topic, the override reasons, a summary that fits, the facts'
messages in a clinician's words, resources named by their words (``namer``), and record text made inert for
Markdown. Shared by the score cards (``cards``), the advice cards (``advice``) and the
order-sign cards (``order_cards``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any, cast

from ..facts import PatientFacts
from ..facts.model import ScoredCondition
from ..facts.terminology import own_coding
from ..i18n import LOCALES, N_, Said, translate, typeset
from .card_model import Coding, OverrideReason
from .card_words import WORDS

SUMMARY_LIMIT = 140
# Reasons a clinician may give for not following a card (CDS Hooks overrideReasons), in the
# project's CodeSystem, with its displays.
OVERRIDE_REASONS = ("override-clinical-judgement", "override-data-incorrect", "override-already-addressed")


def topic(code: str, locale: str) -> Coding:
    """A card's topic: one of the project's own codes (the calculator, "data-review")."""
    return cast(Coding, own_coding(code, locale))


def override_reasons(locale: str) -> list[OverrideReason]:
    return [cast(OverrideReason, own_coding(code, locale)) for code in OVERRIDE_REASONS]


def fit_summary(text: str, keep: str = "", limit: int = SUMMARY_LIMIT) -> str:
    """The summary (``text`` then ``keep``) within CDS Hooks' limit, ``text`` cut after a whole word where one ends
    near it (not "radiot…"); ``keep`` is never cut (what is missing: it makes a range honest). ``limit``: less, for
    text that typography lengthens after."""
    if len(text) + len(keep) <= limit:
        return text + keep
    limit -= len(keep)
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit - 30:
        cut = cut[:space]
    aside = cut.rfind(" (")
    if aside > 0 and ")" not in cut[aside:] and len(cut[aside:].strip(" (“”«»\u202f")) < 12:
        cut = cut[:aside]  # an aside cut to a word or none ("rachis thoracique (« … »)": probe 24) is left out whole
    closed = _closed(cut.rstrip(" ,;:\u202f") + "…")
    while len(closed) > limit and cut:  # what it closes takes room too (review 27)
        cut = cut[: len(cut) - (len(closed) - limit)]
        closed = _closed(cut.rstrip(" ,;:\u202f") + "…")
    return closed + keep


def short_title(assessment: Any, after_comma: bool = False) -> str:
    """"Mirels score", "Score de Mirels"; after a comma, "score de Mirels" (a proper name keeps its capital)."""
    title = assessment.score.short_title
    return title[:1].lower() + title[1:] if after_comma and title.startswith("Score ") else title


def where_of(assessment: Any, as_written: bool = True) -> str:
    """An assessment's place, capitalised, as a card heads it. The record's words, when no code: a URL among them is
    left out."""
    where = without_urls(assessment.facts.where(assessment.score.locale, as_written))
    return where[:1].upper() + where[1:]


def shortened(text: str, room: int, longest: int = 60) -> str:
    """``text`` (a place) within ``room`` characters where whole clauses allow ("left femur" of "left femur, neck of
    femur"), else its first clause, cut after a whole word only past ``longest``: the card's detail says it whole."""
    clauses = text.split(", ")
    side = ""
    if len(clauses) > 1 and clauses[1] in _sides():  # "femur, both sides" is one clause: the side (probe 25)
        side = f", {clauses[1]}"
        clauses[:2] = [", ".join(clauses[:2])]
    for count in range(len(clauses), 0, -1):
        head = ", ".join(clauses[:count])
        if len(head) <= room:
            return _closed(head)
    if len(clauses[0]) <= longest:
        return _closed(clauses[0])
    if " + " in clauses[0]:  # two bones ("tibia (side not stated) + left femur"): both, their asides first given up,
        bare = re.sub(r" \([^)]*\)", "", clauses[0])  # never the second bone or a side cut (review 34)
        return bare if len(bare) <= longest else clauses[0]
    if side:  # a bone's words cut before its side is ("Long bones of the…, left side": review 28)
        return shortened(clauses[0][: -len(side)], 0, max(longest - len(side), 12)) + side
    cut = clauses[0][: longest - 1]
    aside = cut.rfind(" (")  # "(as written)" goes whole before a word of the place does
    if aside > longest // 2:
        return _closed(cut[:aside])
    space = cut.rfind(" ")
    return _closed((cut[:space] if space > longest // 2 else cut).rstrip(" ,;:\u202f") + "…")


@cache
def _sides() -> frozenset[str]:
    """The clauses of a place that are its side ("both sides"; "left side" of a group of bones, ICD-O-3's C40.2)."""
    from ..facts.place import LEFT, RIGHT, SNOMED
    from ..facts.terminology import listed_words

    return frozenset(translate(N_("{bone}, both sides"), locale).split(", ", 1)[1] for locale in LOCALES) | frozenset(
        translate(N_("{bone}, {side} side"), locale).format(bone="", side=listed_words(SNOMED, side, locale))[2:]
        for locale in LOCALES for side in (LEFT, RIGHT))


def _closed(text: str) -> str:
    """A cut that opened a quotation (the record's words, “Bone structure of humerus, …”) closes it, in English or
    French marks, and a parenthesis it opened ("thoracic spine (“Compression médullaire…”": probe 24)."""
    if text.count("“") > text.count("”"):
        text += "”"
    elif text.count("«") > text.count("»"):
        text += "\u202f»"
    return text + ")" * (text.count("(") - text.count(")")) if text.count("(") > text.count(")") else text


# The mapping report's messages that name a FHIR element or show a code, as a card says them: a clinician reads
# "its own recorded site", not "its own bodySite". Keyed by the English template the facts layer writes (the report
# keeps it, for the integrator); the card's template takes the same parameters, or fewer.
FOR_CLINICIAN = {
    # Another patient's identifier is not for this patient's chart (probe 27: "belongs to another patient, “OTHER”"):
    # the mapping report keeps it, for the integrator.
    "belongs to another patient, “{id}” ({subject})": N_("belongs to another patient"),
    "the EHR could not run {query} ({failed}): the assessment is made without those resources":
        N_("the EHR could not send the patient's {records} ({failed}): the assessment is made without them"),
    "the EHR's answer to {query} holds {held} of its {total} results, with no next page: the other {left} are not in "
    "this assessment": N_("the EHR sent {held} of the patient's {total} {records}: the other {left} are not in this "
                          "assessment"),
    "the EHR's answer to {query} carries a warning: {warning}":
        N_("the EHR's answer for the patient's {records} carries a warning: {warning}"),
    "the EHR sent the first page of {query} only, and its next pages could not be read ({failed}): resources on them "
    "are not in this assessment": N_("the EHR sent the first page of the patient's {records} only, and the next could "
                                     "not be read ({failed}): those on them are not in this assessment"),
    "{query} was not sent and fetching it failed ({error}): the post-operative window (§1.4) was not checked, nor "
    "whether a lesion has been fixed": N_("the patient's {records} were not sent and could not be fetched ({error}): "
                                          "the post-operative window (§1.4) was not checked, nor whether a lesion has "
                                          "been fixed"),
    "an abatement is recorded ({abatement}) although its clinicalStatus says it is active":
        N_("an end is recorded ({abatement}) although its status says it is active"),
    "a Condition and an Observation disagree, so both stay possible: {sayings}":
        N_("the diagnosis and an observation disagree, so both stay possible: {sayings}"),
    "value '{value}' is not a code of ValueSet {value_set}": N_("the value recorded, '{value}', is not one read here"),
    "motor function value '{value}' is not a code of ValueSet motor-function, motor-function-not-walking or "
    "paraplegia": N_("the motor function recorded, '{value}', is not one read here"),
    "{what} is given in '{unit}', a unit not read here ({units}): not used":
        N_("{what} is given in '{unit}', a unit not read here: not used"),
    "no active long-bone metastasis Condition to attach it to": N_("no active long-bone metastasis to attach it to"),
    "no primary cancer Condition, so no date of diagnosis":
        N_("no primary cancer the table can read, so no date of diagnosis"),
    "the primary cancer Condition has no date of diagnosis (onset, assertedDate or recordedDate; {given} is not read "
    "as one)": N_("the primary cancer has no date of diagnosis (“{written}”, as written, is not read as a date)"),
    "the primary cancer Condition has no date of diagnosis (onset, assertedDate or recordedDate)":
        N_("the primary cancer has no recorded date of diagnosis"),
    "{condition} has no onset date or assertedDate: its recordedDate {date} is the day it was recorded, so it was "
    "diagnosed on or before that day, perhaps long before; the interval is at least the months since then":
        N_("{condition} has no date of diagnosis: {date} is the day it was recorded, so it was diagnosed on or before "
           "that day, perhaps long before; the interval is at least the months since then"),
    "{condition}: {given} is not read as a date": N_("{condition}: “{written}”, as written, is not read as a date"),
    "no primary cancer Condition the table can read; a cancer is named but not read: {conditions}":
        N_("no primary cancer the table can read; a cancer is named but not read: {conditions}"),
    "no primary cancer Condition": N_("no primary cancer recorded"),
    "not linked to any lesion (no focus, evidence, hasMember, derivedFrom, or matching bodySite)":
        N_("not linked to any lesion"),
    "not linked to any lesion: the panel that lists it (“{panel}”) is recorded as entered in error, so it links "
    "nothing; no focus, evidence, derivedFrom or bodySite links it":
        N_("not linked to any lesion: the examination that lists it (“{panel}”) is recorded as entered in error"),
    "not linked to any lesion: the panel that lists it (“{panel}”) is recorded as cancelled, so it links nothing; no "
    "focus, evidence, derivedFrom or bodySite links it":
        N_("not linked to any lesion: the examination that lists it (“{panel}”) is recorded as cancelled"),
    "not linked to any lesion: its focus ({focus}) is no active long-bone lesion Condition of this record, and no "
    "evidence, hasMember, derivedFrom or bodySite links it":
        N_("not linked to any lesion: it describes {focus}, which is no active long-bone metastasis of this record"),
    "linked to {lesion} ({place}), but its own bodySite says {site}: which lesion it describes is not certain; not "
    "counted":
        N_("linked to {lesion} ({place}), but its own recorded site says {site}: which lesion it describes is not "
           "certain; not counted"),
    "its focus names {lesion}, but {others} cites it as evidence: which lesion it describes is not certain; not "
    "linked": N_("it describes {lesion}, but {others} lists it among its findings: which lesion it describes is not "
                 "certain; not linked"),
    "bodySite matches several lesions ({lesions}): not linked":
        N_("its recorded site matches several lesions ({lesions}): not linked"),
    "the cortical width of the bone at the lesion (cortical-width)": N_("the cortical width of the bone at the lesion"),
    "the bone metastasis has no bodySite": N_("the bone metastasis has no recorded site"),
    "the code of bodySite '{site}' names a region of the spine, not the level: every location row of its levels stays "
    "possible (its text, '{text}', is not read: the level is read from a code)":
        N_("the recorded site's code names a region of the spine, not the level: every location row of its levels "
           "stays possible (its text, '{text}', is not read: the level is read from a code)"),
    "bodySite '{site}' names a region of the spine, not the level: every location row of its levels stays possible":
        N_("the recorded site names a region of the spine, not the level: every location row of its levels stays "
           "possible"),
    "the spinal cord compression Condition has no onset": N_("the spinal cord compression has no recorded onset"),
    "the spinal cord compression Condition has no onset date ({given} is not read as one)":
        N_("the spinal cord compression has no recorded onset date (“{written}”, as written, is not read as one)"),
    "another lesion Condition names the same bone and side ({others}): they may record one lesion":
        N_("another bone metastasis names the same bone and side ({others}): they may record one lesion"),
    "a coded answer ({code})": N_("a coded answer"),
    "not checked: its bodySite names several sites ('{site}'); a reasonReference naming the Condition says which it "
    "is for":
        N_("not checked: its site names several places ('{site}'); naming the lesion it is for would say which"),
    "not checked: its bodySite names {site}, where no lesion with a score is recorded":
        N_("not checked: its site is {site}, where no lesion with a score is recorded"),
    "not checked: its reasonReference names {lesion} ({place}), but its bodySite says {site}: which it is for is not "
    "certain":
        N_("not checked: it is for {lesion} ({place}), but its own site is {site}: which it is for is not certain"),
    "not checked: its code '{code}' is in none of the order ValueSets (radiotherapy, prophylactic fixation, "
    "decompressive surgery), though its reason, {targets}, has a score":
        N_("not checked: it is not recognised as a radiotherapy, a prophylactic fixation or a decompressive surgery, "
           "though it is for {targets}, which has a score"),
    "not checked: its code '{code}' is in none of the order ValueSets, though its words name a radiotherapy: check its "
    "site and scheme against this patient's cards":
        N_("not checked: its code is not one read here, though its words name a radiotherapy: check its side, site "
           "and scheme against this patient's cards"),
    "a fracture of a long bone by its words ({code}), its bone not coded: Mirels scores the risk of a fracture to "
    "come; not used: said on the cards of that bone's lesions":
        N_("a fracture of a long bone, its bone not coded: Mirels scores the risk of a fracture to come; said on the "
           "cards of that bone's lesions"),
    "a fracture of the spine by its words ({code}), its level not coded: not a score's input, and no long bone's; "
    "said beside the collapse item of any vertebral lesion's SINS":
        N_("a fracture of the spine, its level not coded: not a long bone's, nor a score's input; said beside the "
           "collapse item of any vertebral lesion's SINS"),
    "a pathological fracture ({code}): Mirels scores the risk of a fracture to come, and the sources do not say how "
    "to read it once the bone has broken; not used: check whether it is at the site of a scored lesion":
        N_("a pathological fracture: Mirels scores the risk of a fracture to come, and the sources do not say how to "
           "read it once the bone has broken; check whether it is at the site of a scored lesion"),
    "a fracture of the {bone} ({code}): Mirels scores the risk of a fracture to come, and the sources do not say how "
    "to read it once the bone has broken; not used: checked against the lesions of the same bone and side":
        N_("a fracture of the {bone}: Mirels scores the risk of a fracture to come, and the sources do not say how to "
           "read it once the bone has broken; checked against the lesions of the same bone and side"),
    "an operation for {conditions} whose code '{code}' is in none of the procedure ValueSets (fixation, "
    "decompression, radiotherapy): not read; if it treated it (a fixation, a decompression, a cementoplasty), its "
    "score's advice may no longer apply":
        N_("an operation for {conditions} whose code is not one read here: if it treated it (a fixation, a "
           "decompression, a cementoplasty), its score's advice may no longer apply; check it"),
    "a metastasis coded without its site ('{code}') whose bodySite ({site}) has no code of a bone the ValueSets "
    "place: not used as a bone metastasis; a visceral metastasis is read from the codes of the visceral-metastasis "
    "ValueSet":
        N_("a metastasis coded without its site, whose recorded site ({site}) is not a bone read here: not used as a "
           "bone metastasis, nor as a visceral one"),
    "{conditions}: a metastasis at a site the calculators do not class as visceral or not; check whether it is "
    "visceral":
        N_("{conditions}: a metastasis at a site not classed here as visceral or not; check whether it is visceral"),
    "a metastasis ({code}) at a site none of the ValueSets places (neither a long-bone lesion nor a visceral "
    "metastasis): not used":
        N_("a metastasis at a site not read here (neither a long-bone lesion nor a visceral metastasis): not used"),
    "no clinicalStatus": N_("the diagnosis has no clinical status (active or not): check it"),
    "its clinicalStatus codes disagree (active, and not): read as not given":
        N_("the diagnosis's clinical status is recorded both active and not: read as not given; check it"),
    "its clinicalStatus is not a code of FHIR's: read as not given":
        N_("the diagnosis's clinical status cannot be read: read as not given; check it"),
}


def for_clinician(text: object) -> object:
    """``text`` with every message of ``FOR_CLINICIAN`` in it (a note quoting a reason, say) in a card's words."""
    if isinstance(text, (list, tuple)):
        return [for_clinician(part) for part in text]
    if not isinstance(text, Said):  # a fixed message (a flag marked N_)
        return FOR_CLINICIAN.get(text, text) if isinstance(text, str) else text
    params = {key: for_clinician(value) for key, value in text.params.items()}
    return Said(FOR_CLINICIAN.get(text.template, text.template), params)


def said_to_clinician(text: object, locale: str) -> str:
    """A message of the facts layer as a card says it, in ``locale`` (``translate`` as a clinician reads it)."""
    return translate(for_clinician(text), locale)


# A URL in a message (a canonical, a server's): a card carries none but its links.
URLS = re.compile(r"\s*\('https?://[^\s']+'\)|\s*\(<?https?://[^\s)>]+>?\)|\s*'https?://[^\s']+'|<?https?://[^\s)>|]+>?\|?")
# A reference to a resource the record does not hold (no label): said by its type only, never by its id.
_TYPES = ("Condition|Observation|BodyStructure|Patient|QuestionnaireResponse|ServiceRequest|Procedure|Encounter|"
          "Practitioner|PractitionerRole|Organization|Location|DiagnosticReport|Specimen|ImagingStudy|MedicationRequest|"
          "MedicationStatement|MedicationAdministration|DocumentReference|Device|CarePlan|RiskAssessment|Questionnaire|"
          "AllergyIntolerance|Immunization|Composition|Bundle")
_UNHELD = (rf"({_TYPES})/[A-Za-z0-9\-.]{{1,64}}(?:/_history/[A-Za-z0-9\-.]{{1,64}})?(?:#[A-Za-z0-9\-.]{{1,64}})?"
           r"|urn:uuid:[0-9a-fA-F\-]{36}")
_OTHER_REFERENCE = re.compile(rf"\b(?:{_UNHELD})")
# The same, quoted between parentheses after what a message says of it ("another patient, “p2” ('Patient/p2')"):
# the message's words say it for the clinician; the mapping report keeps the reference.
_QUOTED_OTHER = re.compile(rf" \('(?:{_UNHELD})'\)")
_HISTORY = r"(?:/_history/[A-Za-z0-9\-.]{1,64})?(?:#[A-Za-z0-9\-.]{1,64})?"
# The date a message gives after a reference ("Observation/x (2026-11-05)"): its label says it already.
_DATE_AFTER = r"(?: \(\d{4}(?:-\d{2}(?:-\d{2})?)?(?:T[0-9:.+\-Z]*)?\))?"


def namer(facts: PatientFacts, locale: str = "en") -> Callable[[str], str]:
    """Text with every resource reference it quotes replaced by the resource's words and date, any URL left
    out, and Markdown's active characters escaped: what a clinician reads names no FHIR id (the mapping
    report does), and record text can neither run nor link anything where an EHR renders the card."""
    labels = {ref: label.said_in(locale) for ref, label in facts.labels.items()}

    another, missing, unread = (translate(N_("a resource ({kind})"), locale),
                                translate(N_("a diagnosis not in the record"), locale),
                                translate(N_("another diagnosis of the record"), locale))
    held = {entry.resource for entry in facts.report}

    def other(match: re.Match) -> str:  # a diagnosis, in the record or not (review 27), in words
        if match.group(1) == "Condition":
            return unread if match.group(0) in held else missing
        return another.format(kind=match.group(1) or "urn:uuid")

    def unnamed(text: str) -> str:
        if "/" in text or "urn:uuid:" in text:  # what every reference the record does not hold has
            text = _OTHER_REFERENCE.sub(other, _QUOTED_OTHER.sub("", text))
        return plain(text)

    if not labels:
        return lambda text: unnamed(without_urls(text))
    # A reference and the date a message gives after it ("Observation/x (2026-11-05)"): the label has the date.
    pattern = re.compile(r"(?<![\w/])(" + "|".join(re.escape(ref) for ref in sorted(labels, key=len, reverse=True))
                         + ")" + _HISTORY + r"(?![\w.\-/])" + _DATE_AFTER)

    def named(text: str) -> str:
        text = without_urls(text)  # first: a reference inside another server's URL is that server's resource
        if "/" in text or "[" in text:  # what every label's reference has ("Type/id", "Type[position]")
            text = pattern.sub(lambda match: labels[match.group(1)], text)
        return unnamed(text)

    return named


def without_urls(text: str) -> str:
    """``text`` without the URLs ``URLS`` finds (each starts with http: a text without it has none)."""
    return URLS.sub("", text) if "http" in text else text


# Markdown's and HTML's active characters: escaped in every text a record may have written, so that an EHR
# rendering the detail as Markdown (raw HTML allowed or not) shows the words and runs nothing, links nothing.
_ACTIVE = re.compile(r"([\\`*_\[\]<>|!#~])")


def plain(text: str) -> str:
    """Text of the record's (words, codes, notes quoting them) as Markdown that shows it and does nothing else."""
    return _ACTIVE.sub(r"\\\1", text)


def after_check_first(detail: str, line: str, locale: str) -> str:
    """A card's detail with ``line`` (§1.1's) first, but after what must be checked before anything (an operation of
    the spine, a fracture): "radiotherapy first" read above "an instrumentation is recorded" misleads."""
    paragraphs = detail.split("\n\n")
    checks = [index for index, paragraph in enumerate(paragraphs)
              if paragraph.startswith(f"**{WORDS[locale]['check_first']}**")]
    at = checks[-1] + 1 if checks else 0
    return "\n\n".join([*paragraphs[:at], line, *paragraphs[at:]])



def check_first_line(facts: ScoredCondition, locale: str, words: dict[str, str], name: Callable[[str], str]) -> str:
    """A score's ``said_first`` as the card's "Check first" line ("" when there is none)."""
    return f"**{words['check_first']}**{words['colon']} " + "; ".join(
        name(said_to_clinician(flag, locale)) for flag in facts.said_first) if facts.said_first else ""


_FEWEST = 24  # the shortest a place is cut to in a summary: a bone and side, in a few words
# The record's words after a place, as a card says them ("thoracic spine “T11”", "… (“D7” in the record)"): the
# first thing a summary short of room gives up (here and in the order cards).
RECORD_WORDS = re.compile(r" (\([“«][^)]*\)|[“«][^”»]*[”»])$")


def first_fit(assessment: Any, candidates: list[tuple[str, str]]) -> str:
    """The summary of the first candidate (its text, kept whole; its tail) whose text and the place's first clause as
    a summary short of room says it ("Left femur", "Thoracic spine “T11”") are whole; else of the first whose text is
    (the place cut to make room); else of the last. Probe 27: « Rachis thoracique « … » » lost its level "T11" to
    an old record's item, which gives way first."""
    kept = place_clauses(assessment)
    summary = ""
    for required in ([kept] if kept else []) + [()]:
        for rest, tail in candidates:
            summary = place_summary(assessment, rest, tail)
            if rest in summary and (not required or any(clause in summary for clause in required)):
                return summary
    return summary


def place_clauses(assessment: Any) -> tuple[str, ...]:
    """The place's first clause, with the record's words beside it and as a summary short of room says it."""
    if getattr(assessment, "same_bone", False):  # two lesions of one bone: the region tells them apart (probe 29)
        return tuple(place for place in {where_of(assessment), where_of(assessment, False)} if place)
    return tuple(clause for clause in {where_of(assessment).split(", ")[0], where_of(assessment, False).split(", ")[0]}
                 if clause)


def place_summary(assessment: Any, rest: str, keep: str = "") -> str:
    """"{where}, {rest}{keep}" within the limit: the record's words beside the place only where the whole fits, then
    the place itself shortened (the detail says both); ``rest`` (the action) is cut only when no place leaves room,
    ``keep`` (what is missing) never. Measured as the reader's typography sets it (« » are longer than “ ”)."""
    locale = assessment.score.locale

    def length(text: str) -> int:
        return len(typeset(text, locale))

    summary = f"{where_of(assessment)}, {rest}"
    if length(summary + keep) <= SUMMARY_LIMIT:
        return summary + keep
    where = where_of(assessment, False)
    bare = RECORD_WORDS.sub("", where)  # « Rachis thoracique « D11 » »: the level gives way whole before the action
    if bare != where and length(f"{where}, {rest}{keep}") > SUMMARY_LIMIT >= length(f"{bare}, {rest}{keep}"):  # is
        # cut (probe 28: « Rachis thoracique « … », … — radiothérapie, privilégier… »)
        return f"{bare}, {rest}{keep}"
    room = SUMMARY_LIMIT - length(f", {rest}{keep}") - (length(where) - len(where))
    # No clause of the place fits: its first is cut to the room left, down to a few words, before the action's end
    # gives way (probe 20: "avis chirurgical de fixation…" beside a whole "« Bone structure of femur : … »").
    summary = f"{shortened(where, room, max(room, _FEWEST))}, {rest}"
    return fit_summary(summary, keep, SUMMARY_LIMIT - (length(summary + keep) - len(summary + keep)))
