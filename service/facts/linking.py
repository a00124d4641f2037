"""How a record links an Observation to a Condition, shared by every extractor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

from ..i18n import N_, Said, said
from .items.site import body_sites, read_site
from .record import PatientRecord
from .terminology import describe_concepts, objects
from .vocabulary import MCODE_RELATED_CONDITION

_MAX_LINK_DEPTH = 3
# Why a record whose bodySite is that of several lesions is linked to none (its template, for a caller to tell it).
SEVERAL_AT_SITE = N_("bodySite matches several lesions ({lesions}): not linked")


def cited_by(record: PatientRecord, conditions: Iterable[str]) -> dict[str, list[str]]:
    """Observation -> the Conditions (of ``conditions``) that cite it in ``evidence.detail``: the record's
    own link from a diagnosis to what supports it, as explicit as the Observation's ``focus``."""
    cited: dict[str, list[str]] = defaultdict(list)
    for ref in conditions:
        for evidence in objects(record.get(ref).get("evidence")):
            for detail in objects(evidence.get("detail")):
                target = record.resolve(detail)
                if target and target.startswith("Observation/") and ref not in cited[target]:
                    cited[target].append(ref)
    return cited


def reference_text(reference: dict[str, Any]) -> str:
    """A Reference as written: its literal reference, else its identifier, else its display."""
    identifier = reference.get("identifier")
    if isinstance(reference.get("reference"), str):
        return reference["reference"][:200]
    if isinstance(identifier, dict):
        return f"identifier {identifier.get('system') or ''}|{identifier.get('value') or ''}"[:200]
    return str(reference.get("display") or "–")[:200]


def tumours(record: PatientRecord) -> dict[str, list[str]]:
    """Condition -> the mCODE tumour BodyStructures related to it."""
    related: dict[str, list[str]] = defaultdict(list)
    for ref in record.body_structures:
        condition = related_condition(record, ref)
        if condition:
            related[condition].append(ref)
    return related


def related_condition(record: PatientRecord, target: str) -> str | None:
    """The Condition an mCODE tumour BodyStructure is related to, if it is one we hold."""
    body = record.get(target)
    for extension in objects(body.get("extension")):  # a BodyStructure is not shape-checked
        if extension.get("url") == MCODE_RELATED_CONDITION:
            return record.resolve(extension.get("valueReference"))
    return None


def link_observation(record: PatientRecord, observation: dict[str, Any], lesions: Collection[str],
                     at_site: dict[tuple[str | None, str | None], list[str]], depth: int,
                     site_of: Callable[[list[Any]], tuple[str | None, str | None]] | None = None,
                     evidence_key: str = "lesion-evidence") -> tuple[str | None, str]:
    """The lesion an observation belongs to, and how it was linked (or why not). ``site_of``: the (bone, side) of an
    observation's bodySite, as ``at_site`` keys lesions (a long bone and its coded side by default); ``evidence_key``:
    a name for the lesions' evidence, worked out once per set of lesions."""
    if depth > _MAX_LINK_DEPTH:
        return None, said("link chain too deep")
    focused: dict[str, Said] = {}  # lesion -> how the focus names it
    # objects(): a chain of derivedFrom may reach an Observation no shape check covers (a lab's, an imaging
    # report's code: ``may_be_read``), whose elements may be of any JSON type.
    for reference in objects(observation.get("focus")):
        target = record.resolve(reference)
        if target and target in lesions:
            focused.setdefault(target, said("focus -> {target}", target=target))
        elif target and target.startswith("BodyStructure/"):
            related = related_condition(record, target)
            if related and related in lesions:
                focused.setdefault(related, said("focus -> {target}, a tumour related to {related}", target=target,
                                                 related=related))
    me = record.ref(observation)
    citing = record.once(evidence_key, lambda: cited_by(record, lesions)).get(me, [])
    if len(focused) == 1:
        target = next(iter(focused))
        others = [lesion for lesion in citing if lesion != target]
        if others:  # probe 25: the left femur cites as its evidence the pain whose focus is the right femur
            return None, said("its focus names {lesion}, but {others} cites it as evidence: which lesion it describes "
                              "is not certain; not linked", lesion=target, others=", ".join(others))
        return next(iter(focused.items()))
    if focused:  # one measurement, pain or type for two lesions: which is not said
        return None, said("its focus names several lesions ({lesions}): not linked", lesions=", ".join(focused))
    if len(citing) == 1:
        return citing[0], said("evidence of {lesion}", lesion=citing[0])
    if len(citing) > 1:
        return None, said("cited as evidence by several lesions ({lesions}): not linked", lesions=", ".join(citing))
    for panel in record.panels_of.get(me, ()):
        linked, how = link_observation(record, panel, lesions, at_site, depth + 1, site_of, evidence_key)
        if linked:
            record.report.use(record.ref(panel), said("panel linking its members to {lesion}", lesion=linked))
            return linked, said("hasMember of {panel} ({how})", panel=record.ref(panel), how=how)
    for reference in objects(observation.get("derivedFrom")):
        target = record.resolve(reference)
        if target and record.get(target).get("resourceType") == "Observation":
            linked, how = link_observation(record, record.get(target), lesions, at_site, depth + 1, site_of,
                                           evidence_key)
            if linked:
                return linked, said("derivedFrom {target} ({how})", target=target, how=how)
    sites = body_sites(observation)
    if sites:
        bone, side = site_of(sites) if site_of else ((reading := read_site(record.terms, sites)).bone, reading.side)
        same = at_site.get((bone, side), []) if bone else []
        if len(same) == 1:
            return same[0], said("same bodySite and laterality as {lesion}", lesion=same[0])
        if len(same) > 1:
            return None, said("bodySite matches several lesions ({lesions}): not linked", lesions=", ".join(same))
    unheld = [reference_text(r) for r in objects(observation.get("focus")) if record.resolve(r) not in record.by_ref]
    if unheld:  # a line of the export that could not be read, a resource not sent: said, not "no lesion"
        return None, said("the lesion it describes ({focus}) is not among this patient's records received: not "
                          "linked", focus=", ".join(unheld))
    focus = [reference_text(reference) for reference in objects(observation.get("focus"))]
    if not lesions:  # its focus, if any, says which record it describes (a refuted rib is none to attach it to)
        return None, said("the record it describes ({focus}) is no active metastasis the service reads: not linked",
                          focus=", ".join(focus)) if focus else said("no active long-bone metastasis Condition to "
                                                                     "attach it to")
    if focus:
        return None, said("not linked to any lesion: its focus ({focus}) is no active long-bone lesion Condition of "
                          "this record, and no evidence, hasMember, derivedFrom or bodySite links it",
                          focus=", ".join(focus))
    void = record.void_panels_of.get(me)
    if void:  # probe 25: an entered-in-error imaging panel's members scored the lesion it named
        words = describe_concepts([void[0].get("code")])[:100]  # a record never counted has no label on a card
        return None, said("not linked to any lesion: the panel that lists it (“{panel}”) is recorded as entered in "
                          "error, so it links nothing; no focus, evidence, derivedFrom or bodySite links it",
                          panel=words) if void[0].get("status") == "entered-in-error" else said(
            "not linked to any lesion: the panel that lists it (“{panel}”) is recorded as cancelled, so it links "
            "nothing; no focus, evidence, derivedFrom or bodySite links it", panel=words)
    return None, said("not linked to any lesion (no focus, evidence, hasMember, derivedFrom, or matching bodySite)")
