"""Record -> the inputs of the guideline's situations that are advice (``calculators.situations``): §1.5 from
``oligometastatic``; §1.4 reads the operations done (``procedures``); §1.1 a long-bone metastasis's pain, beside its
Mirels score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from msgspec.structs import replace

from ..calculators.situations import PainInputs, PostOperativeInputs
from ..i18n import said
from .dates import reversed_period
from .items.pain import EASED
from .items.site import body_sites, read_place
from .model import LesionFacts, ScoredCondition, SituationFacts, Where
from .oligometastatic import oligometastatic_facts
from .options import MappingOptions
from .place import Place
from .procedure_model import Procedure, other_side, placed_as, treated
from .procedures import procedures_done
from .radiotherapies import radiotherapies_given
from .record import PatientRecord
from .terminology import describe_concepts


def situation_facts(record: PatientRecord, options: MappingOptions,
                    scored: Sequence[ScoredCondition]) -> list[SituationFacts]:
    return [*oligometastatic_facts(record, options), *_post_operative(record, options, scored), *_pain(record, scored)]


# -- §1.4 -------------------------------------------------------------------------------------


def _post_operative(record: PatientRecord, options: MappingOptions,
                    scored: Sequence[ScoredCondition]) -> list[SituationFacts]:
    done = procedures_done(record)
    # A course under way since the operation is its post-operative radiotherapy begun, as much as one completed.
    radiotherapies = [p for p in done if p.kind == "radiotherapy"] + record.once("radiotherapies-begun", list)
    in_words = record.once("unread-radiotherapies", list)  # named in words, coded otherwise: said, never read
    window = options.windows.get("operation")
    sites = {record.ref(c) for kind in ("lesion", "compression") for c in record.conditions[kind]}  # a bone's place
    found = []
    for operation in [*(p for p in done if p.kind != "radiotherapy"), *record.once("unread-surgery", list)]:
        when = operation.performed
        unread = operation.kind == "operation"  # coded otherwise, its words naming surgery: its window may apply
        if unread and (when is None or (window and (record.as_of - when.latest).days > window.days)):
            continue  # said on its lesion's or compression's card, as an operation to check first
        if when and window and (record.as_of - when.latest).days > window.days:
            passed = said("operation of {date}, more than {days} days before the assessment: its post-operative "
                          "window has passed (no card)", date=when.text, days=window.days)
            if operation.ref in record.report.used:  # said on a SINS or Rades card: the report says both
                record.report.use(operation.ref, passed)
            else:
                record.report.ignore(operation.ref, passed, relevant=False)
            continue
        about, notes = _treated(record, operation, scored)
        if unread and (not set(operation.reasons) & sites or any(  # its reason names a lesion or compression, and
                p.kind != "radiotherapy" and p.performed == when and set(p.reasons) & set(operation.reasons)
                for p in done)):  # it is no second record of an operation read (the same day, for the same)
            continue  # said on its lesion's card as an operation to check, or of nothing scored here (mapping report)
        written = record.get(operation.ref).get("performedDateTime")
        period = record.get(operation.ref).get("performedPeriod")
        if when is None and isinstance(written, str) and written.strip():  # the CDS Hooks door checks shapes only
            notes.append(said("the operation's date ('{text}') cannot be read", text=written[:40]))
        elif when is not None and isinstance(period, dict) and reversed_period(period):
            notes.append(said("the operation's period ends ({end}) before it starts ({start}): either may be its day",
                              end=str(period["end"])[:40], start=str(period["start"])[:40]))
        # Surely after the operation (a day known to be on or after its last possible day); one whose dates overlap
        # it (both known to the month only) may be before or after: the window stays, and it is named.
        after = [p for p in radiotherapies if when and p.performed and p.performed.earliest >= when.latest]
        overlapping = [p for p in radiotherapies if when and p.performed and p not in after
                       and p.performed.latest >= when.earliest]
        # A radiotherapy of another site (the spine, after a femur was fixed) is another course: it does not end
        # this window. One whose site neither record says is taken as this one, and the mapping report says so.
        site = {p.ref: _same_site(p, operation, about, sites) for p in after + overlapping}
        # A course its records do not place (a bodySite that names no bone: the breast), or stopped or paused before
        # its end: it may not be this site's post-operative radiotherapy, nor all of it: the window stays, said.
        unsure = [p for p in after if (site[p.ref] is None and record.get(p.ref).get("bodySite"))
                  or p.status in ("stopped", "on-hold")]
        since = [p for p in after if site[p.ref] is not False and p not in unsure]
        for course in unsure:
            record.report.use(course.ref, said("radiotherapy that may follow the operation {operation}, said on its "
                                               "card", operation=operation.ref))
            notes.append(said("a radiotherapy is recorded since the operation ({radiotherapy}), {why}: whether the "
                              "post-operative radiotherapy is given is to check", radiotherapy=course.ref,
                              why=said("stopped or paused before its end") if course.status in ("stopped", "on-hold")
                              else said("its site not read as this one's")))
        for radiotherapy in (p for p in overlapping if site[p.ref] is not False):
            record.report.use(radiotherapy.ref, said("radiotherapy that may follow the operation {operation}, said on "
                                                     "its card", operation=operation.ref))
            notes.append(said("a radiotherapy of this site is recorded ({radiotherapy}) whose dates do not say "
                              "whether it came before or after the operation ({operation}): if after, the "
                              "post-operative radiotherapy may be given already; check it",
                              radiotherapy=radiotherapy.ref, operation=when.text if when else ""))
        for radiotherapy in since:
            record.report.use(radiotherapy.ref, said("radiotherapy after the operation {operation}",
                                                     operation=operation.ref) if site[radiotherapy.ref] else
                              said("radiotherapy after the operation {operation}, taken as its post-operative course: "
                                   "neither says its site", operation=operation.ref))
        given_in_words = [p for p in in_words if when and p.performed and p.performed.latest >= when.earliest
                          and _same_site(p, operation, about, sites) is not False]
        for course in given_in_words:
            record.report.use(course.ref, said("a radiotherapy in words that may follow the operation {operation}, "
                                               "said on its card", operation=operation.ref))
            notes.append(said("a radiotherapy is recorded ({radiotherapy}), its code in none of the procedure lists "
                              "read here: if it is this site's since the operation, the post-operative radiotherapy "
                              "is given or under way; check it", radiotherapy=course.ref))
        record.report.use(operation.ref, said("operation that a post-operative radiotherapy follows (§1.4)"))
        inputs = PostOperativeInputs(when.earliest if when else None, when.latest if when else None, record.as_of,
                                     bool(since), unread, bool(unsure or given_in_words or any(
                                         site[p.ref] is not False for p in overlapping)))
        place = operation.place
        disputed = [lesion.body_site[0] for lesion in scored if lesion.condition in operation.reasons
                    and other_side(operation, *lesion.body_site)]  # the bones of the lesions it names elsewhere
        if disputed:  # which side was operated is to check (its note says); another bone: its own; none but its name
            place = (Place(record_words=operation.description[:80]) if place is None else  # ("Enclouage fémur D")
                     replace(place, side=None, sides_disagree=True) if place.bone == disputed[0] else place)
        found.append(SituationFacts("post_operative", inputs, (operation.ref, *(p.ref for p in since)),
                                    (Where(operation.ref, place, operation.description, operation.own_words),
                                     *about), tuple(notes)))
    return found


def _same_site(radiotherapy: Procedure, operation: Procedure, treated: list[Where], sites: set[str]) -> bool | None:
    """Whether a radiotherapy treated the operated site: by the lesions or compressions (``sites``) each names
    (reasonReference; a primary cancer named says no site), else by bone and side (the operation's bodySite, else
    that of the lesions it treated: a fixation that names its lesion only); None when the records do not say."""
    lesions = {where.ref for where in treated}
    if set(radiotherapy.reasons) & sites and (operation.reasons or lesions):
        return bool(set(radiotherapy.reasons) & (set(operation.reasons) | lesions))
    bone, side = operation.bone, operation.side
    if not bone and len(places := {(w.place.bone, w.place.side) for w in treated if w.place is not None}) == 1:
        ((bone, side),) = places  # a humerus's radiotherapy is no post-operative course of a femur fixed
    if radiotherapy.bone and bone:
        return radiotherapy.bone == bone and not (radiotherapy.side and side and radiotherapy.side != side)
    return None


def _treated(record: PatientRecord, operation: Procedure,
             scored: Sequence[ScoredCondition]) -> tuple[list[Where], list[Any]]:
    """The Conditions the operation treated, and a note for a lesion no Mirels score is given for (fixed)."""
    about, notes = [], []
    for found in scored:
        if treated(operation, found.condition, *found.body_site):
            about.append(Where(found.condition, found.place, found.description))
        elif found.condition in operation.reasons and other_side(operation, *found.body_site):
            # Its window may be this lesion's (it names it), which its Mirels card says may be fixed: both said.
            about.append(Where(found.condition, found.place, found.description))
            notes.append(said("it names {lesion} ({place}) as its reason, and its own record places it elsewhere "
                              "({own}): check its site and side", lesion=found.condition, place=found.place,
                              own=placed_as(operation)))
    for ref in record.fixed.get(operation.ref, ()):
        condition = record.get(ref)
        about.append(Where(ref, read_place(record.terms, body_sites(condition)),
                           describe_concepts([condition.get("code")])))
        notes.append(said("no Mirels score for {lesion}: the bone has been fixed (Mirels helps decide whether to fix "
                          "it)", lesion=ref))
    return about, notes


# -- §1.1 -------------------------------------------------------------------------------------


def _pain(record: PatientRecord, scored: Sequence[ScoredCondition]) -> list[SituationFacts]:
    found = []
    for lesion in scored:
        pain = lesion.facts.get("pain") if isinstance(lesion, LesionFacts) else None
        if pain is None or pain.missing or EASED in pain.flags:  # a later 0/10: "painful" is not known now
            continue
        # Irradiated already: said beside the advice (the guideline has no rule against irradiating again).
        found.append(SituationFacts("pain", PainInputs(True), pain.sources,
                                    (Where(lesion.condition, lesion.place, lesion.description),),
                                    radiotherapies_given(record, lesion.condition, *lesion.body_site,
                                                         record.onset(record.get(lesion.condition))),
                                    score_of=lesion.condition))
    return found
