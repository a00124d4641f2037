"""A fast check of the JSON shape of the elements the mapper reads.

Full validation with the FHIR models costs about 0.1 ms a resource, too much on
the CDS Hooks path; this check makes sure no malformed element can crash the
mapper, and names the element that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from ..i18n import Said, said

OBJECT, OBJECTS, TEXT, NUMBER, BOOLEAN = (said("an object"), said("a list of objects"), said("a string"),
                                          said("a number"), said("a boolean"))

_COMMON = {"id": TEXT, "meta": OBJECT, "extension": OBJECTS, "subject": OBJECT, "code": OBJECT}
SHAPES: dict[str, dict[str, Said]] = {
    "Condition": {**_COMMON, "clinicalStatus": OBJECT, "verificationStatus": OBJECT, "bodySite": OBJECTS,
                  "onsetDateTime": TEXT, "onsetPeriod": OBJECT, "recordedDate": TEXT, "category": OBJECTS},
    "Observation": {**_COMMON, "status": TEXT, "focus": OBJECTS, "hasMember": OBJECTS, "derivedFrom": OBJECTS,
                    "bodySite": OBJECT, "component": OBJECTS, "valueQuantity": OBJECT,
                    "valueCodeableConcept": OBJECT, "valueInteger": NUMBER, "effectiveDateTime": TEXT,
                    "effectiveInstant": TEXT, "effectivePeriod": OBJECT, "issued": TEXT},
    "Patient": {"id": TEXT},
}
_ORDER = {"id": TEXT, "status": TEXT, "code": OBJECT, "bodySite": OBJECTS, "reasonReference": OBJECTS,
          "reasonCode": OBJECTS, "subject": OBJECT, "extension": OBJECTS}
SHAPES["ServiceRequest"] = {**_ORDER, "doNotPerform": BOOLEAN}
SHAPES["Procedure"] = _ORDER
_ANY = {"id": TEXT}  # the shape of a resource of any other type
_NESTED = {"component": {"code": OBJECT, "valueQuantity": OBJECT}, "valueQuantity": {"code": TEXT, "system": TEXT},
           "code": {"coding": OBJECTS}, "clinicalStatus": {"coding": OBJECTS},
           "verificationStatus": {"coding": OBJECTS}}


class InvalidResource(ValueError):
    """An element of the wrong JSON type; ``problem`` says so in any language (``i18n.translate``)."""

    def __init__(self, where: str, message: Said) -> None:
        self.where = where
        self.problem = said("{where}: {problem}", where=where, problem=message)
        super().__init__(str(self.problem))


def _is(value: Any, kind: Said) -> bool:
    if kind is OBJECT:
        return isinstance(value, dict)
    if kind is OBJECTS:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if kind is TEXT:
        return isinstance(value, str)
    if kind is BOOLEAN:
        return isinstance(value, bool)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _problem(node: dict, shape: dict[str, Said]) -> tuple[str, Said] | None:
    """The first element of ``node`` of the wrong JSON type, as (its path below ``node``, what it must
    be), or None. The path is written only for a problem: most resources have none."""
    # The node's own elements, looked up in the shape: a resource has a few of the elements a shape names.
    # Objects and lists of objects (most elements) are checked inline: this runs for every resource read.
    for element, value in node.items():
        kind = shape.get(element)
        if kind is None:
            continue
        if kind is OBJECT:
            if not isinstance(value, dict):
                return f".{element}", kind
            nested = _NESTED.get(element)
            problem = _problem(value, nested) if nested else None
            if problem:
                return f".{element}" + problem[0], problem[1]
        elif kind is OBJECTS:
            if not isinstance(value, list) or not all(isinstance(child, dict) for child in value):
                return f".{element}", kind
            nested = _NESTED.get(element)
            if nested:
                for index, child in enumerate(value):
                    problem = _problem(child, nested)
                    if problem:
                        return f".{element}[{index}]" + problem[0], problem[1]
        elif not _is(value, kind):
            return f".{element}", kind
    return None



# The same shapes, compiled once: element -> (kind, the plan of its nested elements or None), and CODED for the
# commonest nesting (a CodeableConcept's coding, a list of objects), checked inline.
Plan = dict[str, tuple[Said, Any]]
CODED = "coding"


def _plan(shape: dict[str, Said]) -> Plan:
    plan: Plan = {}
    for element, kind in shape.items():
        nested = _NESTED.get(element) if kind is OBJECT or kind is OBJECTS else None
        plan[element] = (kind, None if nested is None else CODED if nested == {"coding": OBJECTS} else _plan(nested))
    return plan


_PLANS = {kind: _plan(shape) for kind, shape in SHAPES.items()}
_ANY_PLAN = _plan(_ANY)


def _fine(node: dict, plan: Plan) -> bool:
    """True when ``_problem`` would find nothing (it is asked otherwise, to name what it finds)."""
    for element, value in node.items():
        step = plan.get(element)
        if step is None:
            continue
        kind, nested = step
        if kind is OBJECT:
            if not isinstance(value, dict):
                return False
            if nested is CODED:
                if "coding" in value:
                    coding = value["coding"]
                    if not isinstance(coding, list):
                        return False
                    for child in coding:
                        if not isinstance(child, dict):
                            return False
            elif nested is not None and not _fine(value, nested):
                return False
        elif kind is OBJECTS:
            if not isinstance(value, list):
                return False
            for child in value:
                if not isinstance(child, dict) or (nested is not None and not _fine(child, nested)):
                    return False
        elif kind is TEXT:
            if not isinstance(value, str):
                return False
        elif not _is(value, kind):
            return False
    return True


# The dates the mapper reads, by element (a period's by its start and end), each checked against FHIR R4's regex for
# its type and as a day of the calendar: every door refuses a resource whose date is not one (the Bundle doors with
# the FHIR models, the others here), rather than reading it as undated ("05/11/2026": counted as if its date were
# not recorded) or as the whole of a year ("20261105").
_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_DAY = r"-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])"
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_DATE_TIME = re.compile(rf"{_YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])({_TIME})?)?)?")
_INSTANT = re.compile(rf"{_YEAR}{_DAY}{_TIME}")
_DATES = {"onsetDateTime": _DATE_TIME, "recordedDate": _DATE_TIME, "abatementDateTime": _DATE_TIME,
          "effectiveDateTime": _DATE_TIME, "effectiveInstant": _INSTANT, "issued": _INSTANT,
          "performedDateTime": _DATE_TIME, "occurrenceDateTime": _DATE_TIME, "authored": _DATE_TIME}
_PERIODS = ("onsetPeriod", "effectivePeriod", "performedPeriod", "abatementPeriod", "occurrencePeriod")
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
_DATED = ("Condition", "Observation", "Procedure", "ServiceRequest", "QuestionnaireResponse")


TIME_WITHOUT_ZONE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def _date_problem(resource: dict) -> tuple[str, Said] | None:
    """The first date the mapper reads that is not a FHIR date of its type, or not a day of the calendar
    ('2026-13-45', '2026-02-30', '20261105', '05/11/2026'), as (its path, why), or None."""
    found = [(f".{name}", resource.get(name), pattern) for name, pattern in _DATES.items() if name in resource]
    found += [(f".{name}.{end}", period.get(end), _DATE_TIME) for name in _PERIODS
              if isinstance(period := resource.get(name), dict) for end in ("start", "end")]
    found += [(f".extension[{index}].valueDateTime", extension.get("valueDateTime"), _DATE_TIME)
              for index, extension in enumerate(_listed(resource.get("extension")))
              if isinstance(extension, dict) and extension.get("url") == ASSERTED_DATE]
    timing = resource.get("occurrenceTiming")  # an order's start may be its first event
    if isinstance(timing, dict) and isinstance(timing.get("event"), list):
        found += [(f".occurrenceTiming.event[{index}]", event, _DATE_TIME)
                  for index, event in enumerate(timing["event"])]
    for path, text, pattern in found:
        if text is None:
            continue
        if not isinstance(text, str):
            return path, said("must be {kind}", kind=TEXT)
        if not pattern.fullmatch(text) or not a_calendar_day(text):
            # A local time with no zone is the common case (a hospital's own clock): say what it lacks (probe 17).
            return path, said("'{text}' is a time without its time zone: FHIR requires one (Z or +01:00)",
                              text=text[:40]) if TIME_WITHOUT_ZONE.fullmatch(text) else said("'{text}' is not a date",
                                                                                       text=text[:40])
    return None



_PERIOD_NAMES = frozenset(_PERIODS)


def _dates_fine(resource: dict) -> bool:
    """True when ``_date_problem`` would find nothing: the same dates, read in the resource's own order."""
    for name, value in resource.items():
        pattern = _DATES.get(name)
        if pattern is not None:
            if value is not None and not _a_date(value, pattern):
                return False
        elif name in _PERIOD_NAMES:
            if isinstance(value, dict) and not (_a_date(value.get("start"), _DATE_TIME)
                                                and _a_date(value.get("end"), _DATE_TIME)):
                return False
        elif name == "extension":
            for extension in _listed(value):
                if isinstance(extension, dict) and extension.get("url") == ASSERTED_DATE \
                        and not _a_date(extension.get("valueDateTime"), _DATE_TIME):
                    return False
        elif name == "occurrenceTiming" and isinstance(value, dict) and isinstance(value.get("event"), list) \
                and not all(_a_date(event, _DATE_TIME) for event in value["event"]):
            return False
    return True


def _listed(value: Any) -> list[Any]:
    """A list element as a list; anything else as none (its shape is said where it is checked)."""
    return value if isinstance(value, list) else []


def _a_date(text: Any, pattern: re.Pattern) -> bool:
    return text is None or (isinstance(text, str) and bool(pattern.fullmatch(text)) and a_calendar_day(text))


def a_calendar_day(text: str) -> bool:
    """Whether a date, dateTime or instant names a day of the calendar (2026-02-30 matches the patterns)."""
    if len(text) < 10:  # a year or a month: the regex says it all
        return True
    try:
        date.fromisoformat(text[:10])
    except ValueError:  # 2026-02-30
        return False
    return True


def check_shape(resource: Any, where: str, dates: bool = True) -> dict:
    """Return ``resource`` if its elements have the JSON types of FHIR R4 and (with ``dates``: for a resource the
    mapper reads) its dates are dates; raise ``InvalidResource`` naming the first element that does not."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        raise InvalidResource(where, said("must be a FHIR resource (an object with a resourceType)"))
    kind = resource["resourceType"]
    # Most resources are well formed: a quick walk says so; only a resource it doubts is walked again, in
    # order, to name its first wrong element (the same words as ever).
    if not _fine(resource, _PLANS.get(kind, _ANY_PLAN)):
        problem = _problem(resource, SHAPES.get(kind, _ANY))
        if problem:
            raise InvalidResource(where + problem[0], said("must be {kind}", kind=problem[1]))
    if dates and kind in _DATED and not _dates_fine(resource):
        dated = _date_problem(resource)
        if dated:
            raise InvalidResource(where + dated[0], dated[1])
    return resource


def well_formed(resource: dict, kind: str, dates: bool = True) -> bool:
    """True when ``check_shape`` would return this resource (of type ``kind``), found without writing where
    it is: for the loops over a Bundle's entries, which ask ``check_shape`` only about a resource this doubts."""
    plan = _PLANS.get(kind)
    # A type of no shape of its own (the labs' neighbours: medications, encounters...) has its id checked, as
    # ``_ANY`` says, without a walk of every element.
    shaped = _fine(resource, plan) if plan is not None else isinstance(resource.get("id", ""), str)
    return shaped and (not dates or kind not in _DATED or _dates_fine(resource))


def bundle_resources(bundle: dict, where: str, read: Callable[[dict], bool] | None = None) -> list[dict]:
    """The resources of a Bundle's entries, each shape-checked; with ``read``, only those it says the
    mapper may read are (the others, labs and the like, need only be resources: nothing reads them)."""
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise InvalidResource(f"{where}.entry", said("must be a list"))
    resources = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "resource" not in entry:
            raise InvalidResource(f"{where}.entry[{index}]", said("must be an object with a resource"))
        resource = entry["resource"]
        if isinstance(resource, dict) and isinstance(kind := resource.get("resourceType"), str):
            if read is not None and not read(resource):
                resources.append(resource)
                continue
            if well_formed(resource, kind):
                resources.append(resource)
                continue
        resources.append(check_shape(resource, f"{where}.entry[{index}].resource"))
    return resources


def next_link(bundle: dict) -> str | None:
    """The URL of a search Bundle's next page, if it has one: the Bundle is then not the whole answer."""
    links: list[Any] = bundle["link"] if isinstance(bundle.get("link"), list) else []
    following = next((link.get("url") for link in links if isinstance(link, dict) and link.get("relation") == "next"),
                     None)
    return following if isinstance(following, str) and following else None


def outcome_text(outcome: dict) -> str:
    """An OperationOutcome's issues in a line: what a server says of its search (a query refused, results
    withheld)."""
    issues: list[Any] = outcome["issue"] if isinstance(outcome.get("issue"), list) else []
    texts = [str(i.get("diagnostics") or (i.get("details") or {}).get("text") or i.get("code") or "")
             for i in issues if isinstance(i, dict)]
    return "; ".join(t for t in texts if t)[:300] or "no detail given"


def matches_left_out(bundle: dict) -> int:
    """How many of a searchset's matches (``total``) it does not hold, when it says so: a server that
    caps its answer without a ``next`` link. Entries included (``_include``) or outcomes do not count."""
    total = search_total(bundle)
    return max(0, total - matches(bundle)) if total is not None else 0


def search_total(bundle: dict) -> int | None:
    """A searchset's ``total``: how many resources matched the search, on all its pages."""
    total = bundle.get("total")
    if bundle.get("type") != "searchset" or not isinstance(total, int) or isinstance(total, bool):
        return None
    return total


def matches(bundle: dict) -> int:
    """How many of a search Bundle's entries are matches (not included resources, not outcomes)."""
    entries: list[Any] = bundle["entry"] if isinstance(bundle.get("entry"), list) else []
    return len([entry for entry in entries if isinstance(entry, dict) and _mode(entry) == "match"])


def _mode(entry: dict) -> Any:
    search = entry.get("search")
    return (search.get("mode") if isinstance(search, dict) else None) or "match"
