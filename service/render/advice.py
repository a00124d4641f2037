"""The guideline's advice (§1.1, §1.4, §1.5) -> a proposed CarePlan and a CDS Hooks card.

The words of the advice are the guideline's (``seeds/guideline.json``); what the record gave (the sites
counted, the operation and its date, what is missing) is said beside them, each record by its words, never
by its id. §1.1 is said on the Mirels card of its lesion (``cards``), not on a card of its own: one lesion,
one card; so is §1.1 of a vertebra SINS scores, on its SINS card. §1.1 of the other bones Mirels does not score (a
rib, the pelvis, the sternum) is one card for the patient, listing each painful site (``pain_card``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from html import escape
from typing import Any

import msgspec

from .. import __version__
from ..calculators.situations import Advice, guideline_version, situations
from ..facts import PatientFacts
from ..facts.model import SituationFacts, Where
from ..facts.terminology import own_coding
from ..i18n import N_, Words, translate, typeset
from .card_model import Action, Card
from .card_text import (
    SUMMARY_LIMIT,
    after_check_first,
    fit_summary,
    override_reasons,
    plain,
    said_to_clinician,
    shortened,
    topic,
)
from .fhir_resources import ASSESSMENT_SYSTEM, GENERATED_BY, PROFILE, narrative, stable_id
from .knowledge import TOPIC, activity_definition_url, plan_definition_url
from .uuids import random_uuid

WORDS = Words({
    "site": N_("1 bone metastatic site recorded"), "sites": N_("{count} bone metastatic sites recorded"),
    "sites_range": N_("{low} to {high} bone metastatic sites"),
    "none_or_one": N_("0 to 1 bone metastatic sites"),  # French: "0 à 1 site" (singular)
    "none_confirmed": N_("bone metastatic sites not known, none confirmed"),
    "sites_open": N_("at least {low} bone metastatic sites"), "site_open": N_("at least 1 bone metastatic site"),
    "no_visceral": N_("no visceral metastasis"), "visceral_open": N_("visceral status not known"),
    "radiotherapy_to_check": N_("radiotherapy recorded since, check it first"),
    "site_short": N_("1 bone site"), "sites_short": N_("{count} bone sites"),
    "site_open_short": N_("at least 1 bone site"), "sites_open_short": N_("at least {low} bone sites"),
    "sites_range_short": N_("{low} to {high} bone sites"),
    "one_site": N_("{site}: {count} lesions ({places})"), "one_site_alike": N_("{site}: {count} lesions"),
    "one_site_unnamed": N_("one site, {count} lesions ({places})"),
    # A site one of whose records is a spinal cord compression: no lesion, it stands for the vertebral site.
    "one_site_records": N_("{site}: {count} records ({places})"),
    "one_site_records_alike": N_("{site}: {count} records"),
    "one_site_records_unnamed": N_("one site, {count} records ({places})"),
    "compression_at": N_("spinal cord compression, {place}"),
    "possible": N_("Possible"), "counted": N_("Sites counted"), "open": N_("To check before it applies"),
    "before": N_("{where}, operated {date}: post-operative radiotherapy from {opens} to {closes}"),
    "window_open": N_("{where}, operated {date}: post-operative radiotherapy now, until {closes}"),
    # "always indicated" is the guideline's (§1.4, "à faire systématiquement"); a window passed read as "too late".
    "passed": N_("{where}, operated {date}: post-operative radiotherapy always indicated; window closed {closes}, "
                 "start for the team"),
    "maybe": N_("{where}, operated {date}: post-operative radiotherapy now only if operated {first} to {last}"),
    "undated": N_("{where}, operated (date not recorded): post-operative radiotherapy 15 days to 3 weeks after"),
    # The operation's day, or the span its record allows, as the sentences above place it ("operated {date}").
    "operated_on": N_("{day}"), "operated_between": N_("{first} to {last}"),
    "open_if": N_("Open today only if the operation was done from {first} to {last}"),
    "healed": N_("on healed skin"), "window": N_("Window (day 15 to day 21 after the operation)"),
    "operation": N_("Operation"), "treated": N_("For"), "guideline": N_("Guideline"),
    "as_of": N_("Assessed as of"), "colon": N_(":"), "to": N_("to"), "record": N_("Record the proposed care plan"),
    "create_CarePlan": N_("Record the proposed care plan ({title})"),
    # §1.1 of a bone Mirels does not score: one card for the patient (``pain_card``), the sites listed.
    "painful_sites": N_("Painful sites"), "pain_sites": N_("{count} sites"),
    "pain_summary": N_("{title} — {sites}: {action}"),
    "pain_withheld": N_("Not given: the guideline's first treatment is for an uncomplicated metastasis, and this one "
                        "may not be"),
    "pain_withheld_action": N_("not given, a complication is or may be recorded (see below)"),
    "pain_not_given": N_("not given for this lesion: the guideline's first treatment is for an uncomplicated "
                         "metastasis, and this one may not be: {why}"),
})


class Advised(msgspec.Struct, frozen=True):
    """One piece of the guideline's advice for a patient, what it was read from, and its proposed CarePlan."""

    facts: SituationFacts
    advice: Advice
    care_plan: dict[str, Any]

    @property
    def resources(self) -> list[dict[str, Any]]:
        return [self.care_plan]


def _key(facts: SituationFacts, subject: str, as_of: date | None) -> str:
    """Same patient, situation, what it is about (each as Type/id) and assessment date: the same CarePlan,
    whatever the door and however the input spells its references (as a score's identity, README of
    fhir_profiles/): re-assessed the same day with more data, it is the same proposal revised."""
    basis = {"situation": facts.situation, "guideline": guideline_version(), "patient": subject,
             "about": sorted(where.ref for where in facts.about), "as_of": as_of.isoformat() if as_of else ""}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def summary(facts: SituationFacts, advice: Advice, locale: str) -> str:
    """Action first: what to do, for which site, with the figures the record gave."""
    words = WORDS[locale]
    situation = advice.situation
    action = situation.action(locale)
    if situation.name == "oligometastatic":
        low, high = advice.figures["sites_low"], advice.figures["sites_high"]
        count = (words["site"] if low == high == 1 else words["sites"].format(count=low) if low == high else
                 (words["site_open"] if low == 1 else words["none_confirmed"] if low == 0 else
                  words["sites_open"].format(low=low)) if high is None else
                 words["none_or_one"] if high == 1 else words["sites_range"].format(low=low, high=high))
        text = f"{count}, {words['no_visceral']}{words['colon']} {action}" if not advice.possible else \
            f"{words['possible']}{words['colon']} {action} ({count})"
        if advice.possible and advice.figures.get("visceral_known") is False:  # what it waits for, in the summary
            # (review 16: on half the answers, the open visceral status was said in the detail only); the count's
            # words give way to it ("1 bone site"), the detail says them whole.
            short = words["site_short"] if low == high == 1 else words["sites_short"].format(count=low) \
                if low == high else words["site_open_short"] if high is None and low == 1 else \
                words["sites_open_short"].format(low=low) if high is None and low else \
                words["sites_range_short"].format(low=low, high=high) if high is not None else count
            text = next((t for t in (f"{text} — {words['visceral_open']}", f"{words['possible']}{words['colon']} "
                                     f"{action} ({short}) — {words['visceral_open']}")
                         if len(typeset(t, locale)) <= SUMMARY_LIMIT), f"{text} — {words['visceral_open']}")
        return text[:1].upper() + text[1:]
    if situation.name == "post_operative":
        # The record's words beside the place, and the operation's own, only where the whole fits: what decides
        # "now" comes last and must be read (the detail names the operation and quotes the record).
        texts = [_post_operative(facts, advice, words, locale, full) for full in (True, False)]
        texts.append(_post_operative(facts, advice, words, locale, False, bone_only=True))  # "Fémur gauche, opéré..."
        return next((text for text in texts if len(typeset(text, locale)) <= SUMMARY_LIMIT), texts[-1])
    where = facts.about[0].words(locale) if facts.about else ""  # the lesion it is about, side first (§1.1)
    return f"{situation.title(locale)}{words['colon']} {action}" + (f" — {where}" if where else "")


def _post_operative(facts: SituationFacts, advice: Advice, words: dict[str, str], locale: str, full: bool,
                    bone_only: bool = False) -> str:
    where = facts.about[0].words(locale, full) if facts.about else ""
    if facts.about and facts.about[0].place is None and len(facts.about) > 1:  # the operation names no site:
        # what it treated says where; the operation's own text too ("Laminectomy T7"), not a code's title
        operation = facts.about[0]
        where = facts.about[1].words(locale, full) + (f" ({operation.description})"
                                                      if operation.own_words and full else "")
    if bone_only:  # the region gives way to the dates that decide "now" (the detail names it); a quote stays closed
        where = shortened(where, 0)  # (review 32: "“Bone structure of femur, operated …" of two sites in words)
    where = where[:1].upper() + where[1:]
    if "opens" not in advice.figures:
        return words["undated"].format(where=where)
    operated = words["operated_on"].format(day=advice.figures["operated_from"].isoformat())  # "le 01/11/2026"
    if advice.figures["operated_from"] != advice.figures["operated_to"]:  # "du 01/11/2026 au 30/11/2026"
        operated = words["operated_between"].format(first=advice.figures["operated_from"].isoformat(),
                                                     last=advice.figures["operated_to"].isoformat())
    key = {"before": "before", "open": "window_open", "passed": "passed", "maybe": "maybe"}[advice.phase]
    text = words[key].format(where=where, date=operated, opens=advice.figures["opens"].isoformat(),
                             closes=advice.figures["closes"].isoformat(),
                             first=_iso(advice.figures.get("open_if_from")),
                             last=_iso(advice.figures.get("open_if_to")))
    maybe_given = advice.figures.get("radiotherapy_maybe")
    text += "" if advice.phase in ("passed", "maybe") or maybe_given else f", {words['healed']}"
    if maybe_given:  # "now" may be done already (probe 17): said first, the skin's words in the detail only
        text = f"{where}{words['colon']} {words['radiotherapy_to_check']} — {text[len(where) + 2:]}" \
            if text.startswith(f"{where}, ") else text
    # What the operation was is not read (coded otherwise): the card says it may apply, as §1.5's does.
    return f"{words['possible']}{words['colon']} {text}" if advice.figures.get("kind_unread") else text


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def render_advice(facts: SituationFacts, advice: Advice, subject: str, when: datetime, as_of: date | None,
                  locale: str, cite: Callable[[str], str] = lambda reference: reference) -> Advised:
    """The proposed CarePlan of one piece of advice: what to do (the guideline's activity), when (§1.4's
    window), for which Conditions, from which records, and what is missing."""
    situation = advice.situation
    key = _key(facts, subject, as_of)
    resource_id = stable_id(key, "CarePlan")
    title = translate(situation.title(locale), locale)
    said_summary = summary(facts, advice, locale)
    activity: dict[str, Any] = {"detail": {
        "instantiatesCanonical": [activity_definition_url(situation.name)],
        "code": {"coding": [own_coding(situation.activity_code, locale)], "text": situation.activity(locale)},
        "status": "not-started", "description": situation.activity(locale)}}
    if "opens" in advice.figures:
        activity["detail"]["scheduledPeriod"] = {"start": advice.figures["opens"].isoformat(),
                                                 "end": advice.figures["closes"].isoformat()}
    notes = [translate(note, locale) for note in (*advice.missing_words(locale), *facts.notes)]
    by = (f"bonemet-cds {__version__}, {situation.source} ({WORDS[locale]['guideline']} "
          f"{guideline_version()}).")
    care_plan: dict[str, Any] = {
        "resourceType": "CarePlan", "id": resource_id, "meta": {"profile": [PROFILE + "bonemet-guideline-careplan"]},
        "language": locale,
        "extension": [{"url": GENERATED_BY, "extension": [
            {"url": "software", "valueString": "bonemet-cds"}, {"url": "version", "valueString": __version__},
            {"url": "table", "valueString": "guideline"},
            {"url": "tableVersion", "valueString": guideline_version()}]}],
        "identifier": [{"system": ASSESSMENT_SYSTEM, "value": resource_id}],
        "instantiatesCanonical": [plan_definition_url(situation.name)],
        "text": narrative(f"<p>{escape(said_summary)}</p>", f"<p>{escape(situation.statement(locale))}</p>",
                          *(f"<p>{escape(note)}</p>" for note in notes), f"<p>{escape(by)}</p>", locale=locale),
        "status": "draft", "intent": "proposal",
        "category": [{"coding": [own_coding(TOPIC[situation.name], locale)]}],
        # A summary that opens with the situation's title (§1.1's) is not headed by it twice.
        "title": (said_summary if said_summary.startswith(title) else
                  f"{title}{WORDS[locale]['colon']} {said_summary}")[:1000],
        "description": situation.statement(locale),
        "subject": {"reference": cite(subject)},
        "created": when.isoformat(timespec="seconds"),
        "activity": [activity],
    }
    conditions = [where.ref for where in facts.about if where.ref.startswith("Condition/")]
    if conditions:
        care_plan["addresses"] = [{"reference": cite(ref)} for ref in dict.fromkeys(conditions)]
    supporting = [ref for ref in dict.fromkeys(facts.sources) if not ref.startswith("Condition/")]
    if supporting:
        care_plan["supportingInfo"] = [{"reference": cite(ref)} for ref in supporting]
    if notes:
        care_plan["note"] = [{"text": note} for note in notes]
    return Advised(facts, advice, care_plan)


def _sites_counted(about: Sequence[Where], locale: str, name: Callable[[str], str]) -> list[str]:
    """A line per site counted (§1.5): a record's place, or a site several records share, "left femur: 2 lesions
    (neck of femur; shaft of femur)". A record whose site the count does not know for sure stands alone."""
    words = WORDS[locale]
    sites: dict[str, list[Where]] = {}
    for where in about:
        sites.setdefault(where.site or f"record {where.ref}", []).append(where)
    lines = []
    for records in sites.values():
        places = list(dict.fromkeys(_counted_words(where, locale, name) for where in records))
        count = len({where.ref for where in records})
        if count == 1:
            lines += places
            continue
        shared = _shared_start(places)
        rest = [place[len(shared):].lstrip(", ") for place in places]
        kind = "one_site_records" if any(where.compression for where in records) else "one_site"
        if not shared:
            lines.append(words[f"{kind}_unnamed"].format(count=count, places="; ".join(places)))
        elif any(rest):
            lines.append(words[kind].format(site=shared, count=count, places="; ".join(p for p in rest if p)))
        else:
            lines.append(words[f"{kind}_alike"].format(site=shared, count=count))
    return lines


def _counted_words(where: Where, locale: str, name: Callable[[str], str]) -> str:
    """A record of a site counted, in its words: a compression named as one ("spinal cord compression, T10"), its
    place failing the words "spinal cord compression" alone (its description)."""
    words = plain(where.words(locale)) or name(where.ref)
    if where.compression and where.place is not None and words:
        return WORDS[locale]["compression_at"].format(place=words)
    return words


def _shared_start(places: list[str]) -> str:
    """The clauses every place starts with ("left femur" of "left femur, neck of femur", "left femur, shaft...")."""
    clauses = [place.split(", ") for place in places]
    shared = []
    for parts in zip(*clauses, strict=False):  # as far as the shortest place
        if len(set(parts)) > 1:
            break
        shared.append(parts[0])
    return ", ".join(shared)


def advice_card(advised: Advised, patient: PatientFacts, locale: str, name: Callable[[str], str]) -> Card:
    """The advice, action first; the detail gives the guideline's words, the records it rests on and what is
    still to check. An information card: it proposes a discussion or a date, never an alarm, except a §1.4
    window that has passed."""

    advice, facts, words = advised.advice, advised.facts, WORDS[locale]
    situation = advice.situation
    lines = [f"**{situation.title(locale)}**", "", situation.statement(locale)]
    if situation.name == "oligometastatic":
        lines += ["", situation.text("not_in_record")(locale), "", f"**{words['counted']}**"]
        # Each site once, as the count counts it: two records of one bone and side are one site, said so.
        lines += [f"- {site}" for site in dict.fromkeys(_sites_counted(facts.about, locale, name))]
    elif situation.name == "post_operative" and facts.about:
        lines += ["", f"**{words['operation']}**{words['colon']} {name(facts.about[0].ref)}"]
        lines += [f"- {words['treated']}{words['colon']} {plain(where.words(locale))}" for where in facts.about[1:]]
        if "opens" in advice.figures:
            lines.append(f"- {words['window']}{words['colon']} {advice.figures['opens'].isoformat()} – "
                         f"{advice.figures['closes'].isoformat()}")
        if advice.phase == "maybe":  # the day of the operation decides: said where the window is read
            days = (_iso(advice.figures.get("open_if_from")), _iso(advice.figures.get("open_if_to")))
            lines.append(f"- {words['open_if'].format(first=days[0], last=days[1])}")
        if advice.phase == "passed":
            lines += ["", situation.text("passed")(locale)]
    missing = [said_to_clinician(text, locale) for text in advice.missing]  # the report's words, as a card says them
    notes = [name(said_to_clinician(note, locale)) for note in facts.notes]
    if missing or notes:
        lines += ["", f"**{words['open']}**"] + [f"- {name(text)}" for text in missing] + [f"- {n}" for n in notes]
    lines += ["", f"{words['guideline']}{words['colon']} {situation.source}"]
    if patient.as_of:
        lines += ["", f"{words['as_of']} {patient.as_of.isoformat()}."]
    return {
        "uuid": random_uuid(),
        "summary": fit_summary(name(summary(facts, advice, locale))),
        "detail": "\n".join(lines),
        "indicator": "warning" if advice.phase == "passed" else "info",
        "source": {"label": f"bonemet-cds {__version__} — {situation.title(locale)}",
                   "topic": topic(TOPIC[situation.name], locale)},
        # Recording the proposal is the EHR's choice: accepting twice gives the same identifier, one CarePlan.
        "suggestions": [{"label": words["record"], "uuid": random_uuid(), "isRecommended": False, "actions": [
            {"type": "create", "resource": advised.care_plan,
             "description": WORDS[locale]["create_CarePlan"].format(title=situation.title(locale))}]}],
        "selectionBehavior": "at-most-one",
        "overrideReasons": override_reasons(locale),
    }


_ASIDE = re.compile(r" \([^()]*\)")  # "(side read from the text)", "(as written)"


def pain_card(advice: Sequence[Advised], patient: PatientFacts, locale: str, name: Callable[[str], str]) -> list[Card]:
    """§1.1 for the painful bone metastases of bones no score card shows (a rib, the pelvis, the sternum): one card,
    never one per site, each site with its pain record, and those not given for a complication that is or may be
    recorded; none when no site is given it. Action first; an information card; its suggestion records each site's
    proposed CarePlan, as ``$assess`` writes them."""
    advised = [item for item in advice if not item.facts.score_of and of_another_bone(item.facts)]
    withheld = [found for found in patient.situations if not found.score_of and of_another_bone(found)
                and found.inputs.complications]
    if not advised and not withheld:
        return []
    words = WORDS[locale]
    situation = situations()["pain"]
    title, action = situation.title(locale), situation.action(locale)
    if not advised:  # painful, and each site may be complicated: said why, once (the pain was read, not dropped)
        action = words["pain_withheld_action"]
    about = [where for item in advised for where in item.facts.about] or [w for f in withheld for w in f.about]
    places = [plain(where.words(locale, as_written=False)) for where in about]
    # The action is never cut (probe 20, s07): the title, then an aside of the place ("(side read from the text)",
    # said in the detail), then the places themselves give way to their count.
    bare = ", ".join(_ASIDE.sub("", place) for place in places)
    summaries = [words["pain_summary"].format(title=heading, sites=sites, action=action)
                 for sites in dict.fromkeys((", ".join(places), bare))
                 for heading in (title, situation.text("short_title")(locale))]
    if len(places) > 1:
        summaries.append(words["pain_summary"].format(title=situation.text("short_title")(locale), action=action,
                                                      sites=words["pain_sites"].format(count=len(places))))
    text = next((text for text in summaries if len(typeset(text, locale)) <= SUMMARY_LIMIT), summaries[-1])
    lines = [f"**{title}**", "", situation.statement(locale), "", *([f"**{words['painful_sites']}**"] * bool(advised))]
    for item in advised:
        where = plain(item.facts.about[0].words(locale)) if item.facts.about else ""
        recorded, *notes = item.facts.notes  # its pain record first, then what is said beside (irradiated already)
        lines.append(f"- {where}{words['colon']} {name(said_to_clinician(recorded, locale))}")
        lines += [f"  - {name(said_to_clinician(note, locale))}" for note in notes]
    if withheld:
        lines += [""] * bool(advised) + [f"**{words['pain_withheld']}**"]
        for facts in withheld:
            where = plain(facts.about[0].words(locale)) if facts.about else ""
            why = "; ".join(name(said_to_clinician(reason, locale)) for reason in facts.inputs.complications)
            lines.append(f"- {where}{words['colon']} {why}")
    lines += ["", f"{words['guideline']}{words['colon']} {situation.source}"]
    if patient.as_of:
        lines += ["", f"{words['as_of']} {patient.as_of.isoformat()}."]
    card: Card = {
        "uuid": random_uuid(),
        "summary": fit_summary(name(text)),
        "detail": "\n".join(lines),
        "indicator": "info",
        "source": {"label": f"bonemet-cds {__version__} — {title}", "topic": topic(TOPIC[situation.name], locale)},
        "overrideReasons": override_reasons(locale),
    }
    if advised:  # nothing to record where every site is withheld
        card["suggestions"] = [{"label": words["record"], "uuid": random_uuid(), "isRecommended": False, "actions": [
            {"type": "create", "resource": item.care_plan,
             "description": words["create_CarePlan"].format(title=title)} for item in advised]}]
        card["selectionBehavior"] = "at-most-one"
    return [card]


def of_another_bone(found: SituationFacts) -> bool:
    """§1.1 of a bone Mirels does not score (``facts.pain_sites``)."""
    return found.situation == "pain" and not getattr(found.inputs, "long_bone", True)


def pain_not_given(patient: PatientFacts, locale: str, name: Callable[[str], str]) -> dict[str, str]:
    """Scored Condition -> the line its card says where §1.1 is not given for a complication recorded or that may
    be (a cord compression at its level)."""
    situation, lines = situations()["pain"], {}
    for found in patient.situations:
        if found.score_of and of_another_bone(found) and found.inputs.complications:
            why = "; ".join(name(said_to_clinician(reason, locale)) for reason in found.inputs.complications)
            lines[found.score_of] = (f"**{situation.title(locale)}**{WORDS[locale]['colon']} "
                                     f"{WORDS[locale]['pain_not_given'].format(why=why)}")
    return lines


def said_on_score_card(card: Card, advised: Advised, locale: str, name: Callable[[str], str]) -> None:
    """§1.1 on its lesion's score card: the guideline's words first, what is said beside them (SINS not stable),
    and its proposed CarePlan among the card's suggestion, as $assess and bulk write it (a SINS card with its category
    undetermined has no suggestion: one is made)."""
    situation = advised.advice.situation
    line = f"**{situation.title(locale)}**{WORDS[locale]['colon']} {situation.statement(locale)}"
    line += "".join(f"\n- {name(said_to_clinician(text, locale))}" for text in advised.advice.missing)
    card["detail"] = after_check_first(card["detail"], line, locale)
    action: Action = {"type": "create", "resource": advised.care_plan,
                      "description": WORDS[locale]["create_CarePlan"].format(title=situation.title(locale))}
    if "suggestions" in card:
        card["suggestions"][0]["actions"].append(action)
    else:
        card["suggestions"] = [{"label": WORDS[locale]["record"], "uuid": random_uuid(), "isRecommended": False,
                                "actions": [action]}]
        card["selectionBehavior"] = "at-most-one"
