"""Metastatic spinal cord compressions -> Rades inputs: the primary cancer and its interval, visceral
metastases, motor function and how long the deficit has developed, each at the moment it describes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from msgspec.structs import replace

from ..calculators import AtLeast, Between
from ..calculators.values import Shown
from ..i18n import Said, joined, said
from .dates import DateSpan
from .items.deficit_days import began_at, deficit_days_fact, deficit_end
from .items.interval import months_fact
from .items.motor import may_be_worse, motor_fact, motor_value
from .items.primary import primary_fact, primary_row
from .items.site import body_sites, read_place
from .items.visceral import visceral_fact
from .levels import spinal_levels
from .linking import cited_by, reference_text
from .long_bone import site_concepts
from .model import CordCompressionFacts, Fact
from .moments import Event, started, surely_before
from .options import MappingOptions
from .pain_sites import refuted_at_level
from .place import SPINE_REGION_LETTER
from .procedures import STATUS_WORDS, operated_since, operations_of, procedures_done, spinal_operations
from .radiotherapies import ended, radiotherapies_given, radiotherapies_of
from .record import PatientRecord
from .statuses import COMPRESSION_MAY_BE_OVER, COMPRESSION_NOT_ACTIVE, THIS_RECORDED_AS, recorded_as
from .terminology import objects
from .timely import KIND_ITEM, keep_timely, with_untimely
from .vertebral import spinal_conditions, spine_regions

RADES_KINDS = ("visceral-metastases", "motor-function", "days-developing-motor-deficits")


# -- Rades -----------------------------------------------------------------------------------


NO_COMPRESSION = said("no active spinal cord compression: no Rades score")
# What the guideline (§1.3: "irradiation exclusive en urgence ou adjuvante après geste neurochirurgical") does not
# say of an operation of the spine done before; said with it, first on the card.
RADES_SILENT_OWN = said("the guideline applies Rades to emergency radiotherapy alone or adjuvant radiotherapy after "
                        "neurosurgery (§1.3), and says nothing else of an operation done (the sources are silent)")
RADES_SILENT = said("the guideline uses Rades for radiotherapy alone or after neurosurgery (§1.3) and says nothing "
                    "of what an earlier spinal operation changes (the sources are silent)")


def cord_compressions(record: PatientRecord, options: MappingOptions) -> list[CordCompressionFacts]:
    active = []
    for compression in record.conditions["compression"]:
        is_active, flags = record.active(compression)
        if is_active:
            active.append((compression, flags))
        else:
            record.report.ignore(record.ref(compression), Said(COMPRESSION_NOT_ACTIVE, {}) if not flags else Said(
                COMPRESSION_MAY_BE_OVER, {"why": flags[0]}))
    if not active:
        for kind in ("primary", "visceral", "undetermined_site", "paraplegia", "not_walking"):
            for condition in record.conditions[kind]:
                record.report.ignore(record.ref(condition), NO_COMPRESSION)
        for kind in RADES_KINDS:
            for observation in record.observations[kind]:
                record.report.ignore(record.ref(observation), NO_COMPRESSION)
        return []
    refs = {record.ref(compression) for compression, _ in active}
    unfocused: dict[str, list[dict[str, Any]]] = defaultdict(list)
    focused: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    cited = cited_by(record, refs)
    over = {record.ref(compression) for compression in record.conditions["compression"]} - refs
    for kind in RADES_KINDS:
        for observation in record.observations[kind]:
            # Its focus, else the compressions that cite it as evidence.
            targets = ([record.resolve(f) for f in observation.get("focus") or []]
                       or cited.get(record.ref(observation), []))
            if not targets:
                unfocused[kind].append(observation)
            elif any(t in refs for t in targets):
                for target in {t for t in targets if t in refs}:
                    focused[target][kind].append(observation)
            else:
                named = [t or reference_text(f) for t, f in zip(
                    targets, objects(observation.get("focus")) or [{}] * len(targets), strict=False)]
                # Of a compression recorded as over (in remission, resolved: probe 29, a 2025 status on the data card
                # as "could change a score"), an old one describes that one: said in the mapping report only; one
                # recorded within the motor status's window may be this one's, mis-focused (review 36): said.
                record.report.ignore(record.ref(observation), said(
                    "its focus names no active spinal cord compression ({targets}): not used",
                    targets=", ".join(str(t) for t in named)), attention=not all(t in over for t in targets)
                    or _recent(record, observation, options))
    primary = primary_fact(record)
    twins = _may_be_one(record, [compression for compression, _ in active])
    # Facts from the same observations are the same for every compression: computed once.
    shared: dict[tuple[Any, ...], Fact] = {}
    kinds = ("days-developing-motor-deficits", "visceral-metastases", "motor-function")  # the deficit first: when
    # it began orders the motor status
    result = []
    for compression, flags in active:
        ref = record.ref(compression)
        record.report.use(ref, said("spinal cord compression of a Rades score"))
        own = focused.get(ref, {})
        onset = record.onset(compression)
        began = (Event(onset, said("the spinal cord compression's onset")),) if onset else ()
        # Tableau 4: the motor status and the deficit "before radiotherapy": none recorded after one of this
        # compression began (a status taken under radiotherapy is its effect, not what Rades scores from).
        # A course done and ended before the motor status's window (the site's setting) is history: every status
        # the window lets count comes after it, one for a new course (a re-irradiation) taken now; its card says it.
        # One under way, paused, or ended within the window still bounds them; one stopped before its end is ended
        # (probe 26: a course stopped a month ago kept Rades on the motor status of the day before it).
        window = options.windows.get("motor_function")
        recent = record.as_of - timedelta(days=window.days) if window else None
        irradiated = tuple(Event(course.began, said("its radiotherapy"))  # its first day: a course over days
                           for course in radiotherapies_of(record, ref) if course.began is not None
                           and (recent is None or not ended(record, course) or course.performed is None
                                or course.performed.latest >= recent))
        first_day = min((event.when for event in irradiated), key=lambda span: span.earliest, default=None)
        decompressed = tuple(operation.performed for operation in procedures_done(record) if operation.performed
                             and operation.kind != "radiotherapy" and ref in operation.reasons)  # counts not sure past
        read: dict[str, Fact] = {}
        for kind in kinds:
            after: tuple[Event, ...] = ()
            if kind == "motor-function":  # a status from before the deficit began cannot describe it
                # The deficit's own start when known (a compression found after the deficit began does not make a
                # status taken during the deficit stale); else the compression's onset.
                # Counted back from where the deficit's days were counted to (a radiotherapy's first day).
                counted = read.get("deficit-start", read["days-developing-motor-deficits"])
                deficit = _deficit_event(counted, deficit_end(record, first_day), began_at(record, counted))
                after = (deficit,) if deficit else began
            linked = {kind: [(observation, "") for observation in unfocused[kind] + own.get(kind, [])]}
            untimely = keep_timely(record, linked, options.windows, after,
                                   before=irradiated if kind != "visceral-metastases" else ())
            observations = [observation for observation, _ in linked[kind]]
            key = (kind, tuple(id(observation) for observation in observations),
                   "|".join(event.when.text for event in irradiated), "|".join(day.text for day in decompressed))
            if key not in shared:
                shared[key] = deficit_days_fact(record, observations, first_day, decompressed) \
                    if kind == "days-developing-motor-deficits" else motor_fact(record, observations, irradiated) \
                    if kind == "motor-function" else visceral_fact(record, observations, irradiated)
            read[kind] = with_untimely(shared[key], untimely[KIND_ITEM[kind]]) if untimely else shared[key]
            if kind == "days-developing-motor-deficits" and decompressed:  # when it began, from its days as recorded
                # (review 35: "> 3 days" counted to the operation only dated its start days too late)
                read["deficit-start"] = deficit_days_fact(record, observations, first_day)
        facts = {
            "primary_tumour": primary,
            "months_to_cord_compression": months_fact(record, compression),
            "visceral_metastases": read["visceral-metastases"],
            "motor_function": read["motor-function"],
            "days_developing_motor_deficits": read["days-developing-motor-deficits"],
        }
        # Its name where no bodySite places it: the clinician's own words (the code's text, which may give the level),
        # else plain words; a classification's title ("Cord compression, unspecified") says nothing more, in English.
        code = compression.get("code")
        text = code.get("text") if isinstance(code, dict) else None
        description = text.strip() if isinstance(text, str) and text.strip() else said("spinal cord compression")
        tied = _each_primary(record, compression)
        if tied:
            facts["primary_tumour"] = replace(primary, notes=primary.notes + (said(
                "each primary cancer is counted with its own interval to the compression: the possible totals are "
                "those of these pairs"),))
        operated = operated_since(record, ref, [fact.recorded for fact in facts.values()])
        # An operation of it, or at its spine (an old instrumentation), that ``operated_since`` does not say already.
        before = spinal_operations(record, ref, spinal_conditions(record), spine_regions, RADES_SILENT,
                                   skip={flag.params["operation"] for flag in operated if isinstance(flag, Said)},
                                   silent_own=RADES_SILENT_OWN)
        status_since, later = _since_radiotherapy(record, irradiated, unfocused, own, facts["motor_function"].value)
        # A metastasis refuted at its level (probe 29: "MTS D5 ?" refuted beside a provisional D5 compression, said
        # nowhere): the compression may not be metastatic, which Rades scores.
        # (A refutation before the compression began says it too: a negative biopsy days before, review 36.)
        refuted = refuted_at_level(record, read_place(record.terms, body_sites(compression)), None)
        flags = flags + refuted + radiotherapies_given(record, ref, history=recent) + status_since + later \
            + operated + before + twins.get(ref, ())  # by reasonReference or bodySite: a spine has no side here
        done_on_it = operations_of(record, ref, record.onset(compression), options.windows.get("operation"))
        under_way, maybe_done = _under_way(record, ref)
        before += under_way
        result.append(CordCompressionFacts(ref, description, facts, condition_flags=flags, alternatives=tied,
                                           place=read_place(record.terms, body_sites(compression)),
                                           operations_to_check=operated, operations_before=before,
                                           status_since=status_since,
                                           operated=done_on_it[0],
                                           operated_maybe=done_on_it[1] + maybe_done))
    return result


def _recent(record: PatientRecord, observation: dict[str, Any], options: MappingOptions) -> bool:
    """Whether an Observation is dated within the motor status's window (the site's setting), or not dated."""
    window, when = options.windows.get("motor_function"), record.effective(observation)
    return window is None or when is None or when.latest >= record.as_of - timedelta(days=window.days)


def _under_way(record: PatientRecord, condition: str) -> tuple[tuple[Said, ...], tuple[str, ...]]:
    """A decompression of this compression recorded as begun, planned, stopped part-way or of unknown status (review
    32: "radiotherapy alone: excellent result without surgery" beside a laminectomy in progress): said first. Its
    flags, and those that may be done: the radiotherapy may be adjuvant to them (§1.3). One planned is a choice still
    open, which the group orients: its action stays, the flag beside it."""
    procedures_done(record)  # reads them
    found = [operation for operation in record.once("operations-under-way", list) if condition in operation.reasons]
    for operation in found:
        record.report.use(operation.ref, said("an operation of {condition} not recorded as done, said first on its "
                                              "card", condition=condition))
    return tuple(said("an operation of it is recorded in preparation ({operation}): what the group says of surgery "
                      "bears on it (§1.3); check it first", operation=operation.ref)
                 if operation.status == "preparation" else
                 said("an operation of it is recorded {status} ({operation}): if it is being or has been done, the "
                      "radiotherapy is adjuvant to it (§1.3); check it first", status=STATUS_WORDS[operation.status],
                      operation=operation.ref) for operation in found), tuple(
        operation.ref for operation in found if operation.status != "preparation")


_NAMED_AT_MOST = 4  # compressions of one patient compared pair by pair, each naming the others
_REGION_CODES = {letter: code for code, letter in SPINE_REGION_LETTER.items()}  # "L" -> the lumbar spine's code


def _may_be_one(record: PatientRecord, compressions: list[dict[str, Any]]) -> dict[str, tuple[Said, ...]]:
    """Two active compressions that may be one (a problem-list entry "T9" and an encounter's diagnosis "D9"): the same
    level where both are read from their site's words, else when either has none read (unless both sites are coded in
    different regions of the spine). Each says the other, and where the EHR put each when that differs (their words
    and dates may read the same); never merged by guess, as two Mirels lesions of one bone and side are not."""
    read = {}
    for compression in compressions:
        ref = record.ref(compression)
        concepts = site_concepts(record, compression, ref)[0]
        levels = set(spinal_levels(read_place(record.terms, concepts)))
        # Its regions: coded, and those its levels are in ("L1" is lumbar, never the same as a thoracic spine).
        read[ref] = (levels, (spine_regions(concepts) or frozenset()) | {_REGION_CODES[level[0]] for level in levels
                                                                        if level[0] in _REGION_CODES},
                     recorded_as(compression))
    if len(compressions) > _NAMED_AT_MOST:
        return _many_may_be_one(read)
    flags: dict[str, tuple[Said, ...]] = {}
    for ref, (levels, regions, place) in read.items():
        twins = [other for other, (their_levels, their_regions, _) in read.items() if other != ref
                 and (levels & their_levels if levels and their_levels else not (
                     regions and their_regions and not regions & their_regions))]
        if not twins:
            continue
        told = len({place, *(read[other][2] for other in twins)}) > 1  # where each is recorded, when that differs
        others = [Said(template, {"record": other}) if told and (template := read[other][2]) else other
                  for other in twins] + ([Said(THIS_RECORDED_AS[place], {})] if told and place else [])
        named = others[0] if len(others) == 1 else joined(others)
        flags[ref] = (said("another spinal cord compression is recorded at the same level ({others}): they may "
                           "record one compression", others=named) if levels and all(read[other][0] for other in twins)
                      else said("another spinal cord compression is recorded ({others}), the level of one or both not "
                                "read: they may record one compression", others=named),)
    return flags


def _many_may_be_one(read: dict[str, tuple[set[str], frozenset[str], Any]]) -> dict[str, tuple[Said, ...]]:
    """Past ``_NAMED_AT_MOST``: one line on each compression that may be another (the same level; or a level not read
    and no two coded regions apart), not a list of every other; found by level and by regions, linear in them."""
    by_level: dict[str, int] = defaultdict(int)
    by_regions: dict[tuple[bool, frozenset[str]], int] = defaultdict(int)  # (level read, regions) -> how many
    for levels, regions, _ in read.values():
        for level in levels:
            by_level[level] += 1
        by_regions[(bool(levels), regions)] += 1
    many = said("{count} spinal cord compressions are recorded: some may record the same one (check their levels)",
                count=len(read))
    flags: dict[str, tuple[Said, ...]] = {}
    for ref, (levels, regions, _) in read.items():
        same = any(by_level[level] > 1 for level in levels)
        unsure = sum(count for (leveled, theirs), count in by_regions.items()  # not both coded, regions apart
                     if (not leveled or not levels) and not (regions and theirs and not regions & theirs)) \
            - (0 if levels else 1)
        if same or unsure > 0:
            flags[ref] = (many,)
    return flags


def _since_radiotherapy(record: PatientRecord, irradiated: tuple[Event, ...], unfocused: dict[str, list[Any]],
                        own: dict[str, list[Any]], counted: Any) -> tuple[tuple[Said, ...], tuple[Said, ...]]:
    """The motor statuses recorded after a radiotherapy of the compression began: not counted (they may be its
    effect), yet said. One that may be worse than the status counted, or says none that is read (a paraplegia since an
    8 Gy course, beside "walks without aid" before it: probe 28), is said first, the score being of the time before;
    the others with the card's flags. (first, flags)"""
    # By instants where both have a time and zone (a status at 23:00 after a first fraction at 22:00: probe 19), as
    # the status was set aside (``moments.surely_before``), else by day.
    since = [observation for observation in unfocused["motor-function"] + own.get("motor-function", [])
             if (when := record.effective(observation)) is not None and record.counted(observation)
             and any(surely_before(event.when, when) for event in irradiated)]
    changed = [(record.ref(observation), value) for observation in since
               if may_be_worse(value := motor_value(record, observation)[0], counted)]
    first = tuple(said("since its radiotherapy began, a motor status “{value}” is recorded ({record}): this score "
                       "describes the time before it (Rades scores the status before radiotherapy), and the guideline "
                       "does not say what a change after it calls for; check the patient first",
                       value=Shown("motor_function", value), record=ref) if value is not None else
                  said("since its radiotherapy began, a motor status is recorded that is not read ({record}): this "
                       "score describes the time before it; check the patient first", record=ref)
                  for ref, value in changed)
    rest = [record.ref(observation) for observation in since if record.ref(observation) not in dict(changed)]
    return first, (said("a motor status recorded since its radiotherapy began ({records}) is not counted: Rades "
                        "scores the status before radiotherapy", records=", ".join(rest)),) if rest else ()


def _each_primary(record: PatientRecord, compression: dict[str, Any]) -> tuple[dict[str, Fact], ...]:
    """Several primary cancers: each with its own row and its own interval to the compression, for the totals
    of the real pairs only (a breast cancer of 2019 and a lung cancer of 2026 are not "breast, <= 15 months").
    None for one primary."""
    primaries = record.conditions["primary"]
    if len(primaries) < 2:
        return ()
    tied = []
    for condition in primaries:
        row, rule, notes = primary_row(record, condition)
        ref = record.ref(condition)
        tied.append({"primary_tumour": Fact("primary_tumour", row, (ref,), rule, notes=notes),
                     "months_to_cord_compression": months_fact(record, compression, [condition])})
    return tuple(tied)


def _deficit_event(deficit: Fact, today: DateSpan, instant: datetime | None = None) -> Event | None:
    """The day the motor deficit surely began by, from its duration as of ``today`` (the assessment date, or the
    first day of a radiotherapy begun, where its days were counted to: a number, or a range: its longest), or None
    when not known (missing). A duration of "at least" so many days says only the last day it may have begun: a
    status before that day may be from before the deficit, one after it is during it (even when the compression
    was found later: a "> 14 days" deficit)."""
    value = deficit.value
    if isinstance(value, AtLeast):
        return Event(started(today, value.low), said("the last day the motor deficit may have begun"))
    longest = value.high if isinstance(value, Between) else value
    if isinstance(longest, int | Fraction) and not isinstance(longest, bool):  # a range: its earliest start is said
        day = started(today, longest)
        if instant is not None and not isinstance(value, Between):  # its hour too: a status before it is refused
            # The instant's own day (probe 26: "12 h" recorded at 10:00 began at 22:00 the day before, which whole
            # days, rounded down, put on the day of the record, setting aside a status of 23:00 that evening).
            day = DateSpan(instant.date(), instant.date(), instant.date().isoformat(), instant=instant)
        return Event(day, said("the earliest day the motor deficit may have begun") if isinstance(
            value, Between) else said("the motor deficit began"))
    return None
