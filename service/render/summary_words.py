"""What a score card's summary says beside its action: first what may make the action moot (a fracture, a
fixation, an operation: ``first_words``), the conflicts (``conflict_words``), and after it the old or undated
records the score rests on (``oldest_words``) and what is missing (``unknown_words``), each with a shorter form
for a summary short of room (140 characters)."""

from __future__ import annotations

from datetime import date

from ..facts.evidence import CONFLICT
from ..facts.procedure_words import UNREAD_OPERATION
from ..facts.radiotherapies import GIVEN_NOW, IRRADIATED
from ..facts.statuses import REFUTED_AT_LEVEL, REFUTED_BESIDE, UNCONFIRMED, status_to_check
from .card_text import said_to_clinician
from .card_words import SHORT_ITEMS
from .fhir_resources import Assessment

# A score resting on a record older than this many days says so in its summary ("pain of 2026-10-02"): the site's view.
MENTION_AFTER_DAYS = 7


def conflict_words(assessment: Assessment, words: dict[str, str], preliminary_said: int = 2) -> str:
    """What the summary must say of conflicting data, so that no one misses it; and of a preliminary result counted
    (``preliminary_said``: 2 with its items, 1 without, 0 not at all; a summary short of room gives way in turn)."""
    conflicted = [f for f in assessment.facts.facts.values() if CONFLICT in f.flags]
    # A result not final yet that the score counts (probe 25: a preliminary 80 % over a final 20 %, Mirels 6 -> 8).
    preliminary = [SHORT_ITEMS[assessment.score.locale][item.name] for item in assessment.score.items
                   if item.status != "missing" and item.name in SHORT_ITEMS["en"]
                   and "preliminary" in assessment.facts.facts[item.name].flags]
    level = preliminary_said if preliminary else 0
    counted = f"{words['preliminary']} ({', '.join(preliminary)})" if level == 2 else words['preliminary'] if level \
        else ""
    if not conflicted:
        return f" — {counted}" if counted else ""
    uncertain = any(assessment.score.item(f.item).status == "uncertain" for f in conflicted
                    if f.item in {i.name for i in assessment.score.items})
    if uncertain:
        return f" — {words['conflicting']}" + (f", {counted}" if counted else "")
    # "the latest, preliminary, used" only where the preliminary results are the ones that differ (review 28).
    if counted and set(preliminary) <= {SHORT_ITEMS[assessment.score.locale].get(f.item) for f in conflicted}:
        return f" — {words['settled_preliminary']}" + (f" ({', '.join(preliminary)})" if level == 2 else "")
    return f" — {words['conflict_settled']}" + (f", {counted}" if counted else "")


def first_words(assessment: Assessment, words: dict[str, str]) -> str:
    """What the summary says first of a fracture, a fixation or an operation that may have made the action moot: the
    action waits for it. A fixation not done beside "observation" (Mirels <= 7) is no contradiction: the detail says
    it first, the summary keeps its room (review 33)."""
    facts = assessment.facts
    unconfirmed = [flag for flag in facts.condition_flags if flag in _UNCONFIRMED]
    observed = getattr(assessment.score.category, "value", None) == "observation"  # Mirels <= 7
    return f"{words['fracture_to_check']} — " if facts.fractures_to_check else \
        f"{words['status_since']} — " if facts.status_since else \
        f"{words['not_done']} — " if facts.not_done and not observed else \
        f"{words['sites_to_check']} — " if facts.sites_to_check else \
        f"{words['same_bone_first']} — " if assessment.same_bone else \
        f"{words['operation_recorded']} — " if facts.fixations_to_check and all(
            getattr(flag, "template", None) in _UNREAD_OPERATION for flag in facts.fixations_to_check) else \
        f"{words['fixation_to_check']} — " if facts.fixations_to_check else \
        f"{words['operation_to_check']} — " if facts.operations_to_check else \
        f"{words['operation_before']} — " if facts.operations_before else \
        f"{said_to_clinician(unconfirmed[0], assessment.score.locale)} — " if unconfirmed else \
        f"{words['refuted_to_check']} — " if any(getattr(flag, "template", None) in (REFUTED_BESIDE, REFUTED_AT_LEVEL)
                                                 for flag in facts.condition_flags) else \
        f"{words['status_to_check']} — " if any(status_to_check(flag) for flag in facts.condition_flags) else \
        f"{words['radiotherapy_recorded']} — " if any(getattr(flag, "template", None) in GIVEN_NOW
                                                     for flag in facts.condition_flags) else \
        f"{words['irradiated_before']} — " if any(getattr(flag, "template", None) in _BEFORE_RECORDS
                                                 for flag in facts.condition_flags) else ""


# A course ended before the records a score rests on: the advice is for a new one, a re-irradiation (probe 29: said in
# the flags under the table only, the summary reading as if the compression were new).
_BEFORE_RECORDS = IRRADIATED - GIVEN_NOW
_UNREAD_OPERATION = frozenset(UNREAD_OPERATION.values())  # what it was is not read: "operation", not "fixation"
_UNCONFIRMED = frozenset(UNCONFIRMED.values())  # the diagnosis may not hold: said before the action it drives


def oldest_words(assessment: Assessment, words: dict[str, str], short: bool = False) -> str:
    """The records a score rests on that have no date, else the oldest dated one, when it is more than
    ``MENTION_AFTER_DAYS`` old; ``short``: its date only ("data of 2026-09-18")."""
    if assessment.as_of is None:
        return ""
    undated = any(item.status != "missing" and item.name in SHORT_ITEMS["en"]
                  and not assessment.facts.facts[item.name].recorded
                  and CONFLICT not in assessment.facts.facts[item.name].flags  # no one date: each said in its note
                  and any(source.startswith("Observation/") for source in assessment.facts.facts[item.name].sources)
                  for item in assessment.score.items)
    if undated:  # a record with no date cannot be aged: it counts, and the summary says its moment is not known
        return f" ({words['undated']})"  # which ones: the table's dates
    dated = []
    for item in assessment.score.items:
        read = assessment.facts.facts[item.name]
        recorded = read.recorded
        if read.sources and all(source.startswith("Condition/") for source in read.sources):
            continue  # an active diagnosis holds until it ends: its date is no age (probe 19: a liver metastasis)
        if item.status != "missing" and len(recorded) >= 10 and item.name in SHORT_ITEMS["en"]:
            try:
                dated.append((date.fromisoformat(recorded[:10]), item.name))
            except ValueError:
                continue
    if not dated:
        return ""
    when, oldest = min(dated)
    if (assessment.as_of - when).days <= MENTION_AFTER_DAYS:
        return ""
    fact = SHORT_ITEMS[assessment.score.locale][oldest]
    return f" ({words['oldest_short'].format(date=when.isoformat())})" if short else \
        f" ({words['oldest'].format(fact=fact, date=when.isoformat())})"


def unknown_words(assessment: Assessment, words: dict[str, str], counted: bool = False) -> str:
    """" (missing: pain)": the items a settled category does not need, for the exact score; ``counted``: several
    as their count ("missing: 2 items")."""
    short = SHORT_ITEMS[assessment.score.locale]
    names = [short[item.name] for item in assessment.score.items if item.status == "missing" and item.name in short]
    listed = words["missing_count"].format(count=len(names)) if counted and len(names) > 1 else ", ".join(names)
    return f" ({words['missing']}{words['colon']} {listed})" if names else ""
