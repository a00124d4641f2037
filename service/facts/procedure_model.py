"""A procedure as the record gives it (what, when, for which Condition, where), and whether it treated a lesion: its
reason names the lesion and its own site does not place it elsewhere."""

from __future__ import annotations

from typing import Literal

import msgspec

from ..i18n import Said, said
from .dates import DateSpan
from .place import LEFT, RIGHT, Place, one_long_bone, side_beside_bone

# "operation": a bone's or the spine's surgery coded outside the lists, its words naming it (``SURGERY_WORDS``): what it
# was is not read (a nailing, a laminectomy), only that its §1.4 window may apply.
Kind = Literal["fixation", "decompression", "radiotherapy", "operation"]
KINDS = {"prophylactic_fixation": "fixation", "decompressive_surgery": "decompression", "radiotherapy": "radiotherapy"}


class Procedure(msgspec.Struct, frozen=True):
    """A procedure done: what, when (None: not recorded), for which Condition (None: not said), and where."""

    ref: str
    kind: Kind
    performed: DateSpan | None
    reasons: tuple[str, ...]
    place: Place | None
    bone: str | None
    side: str | None
    description: str
    own_words: bool = False  # the description is the code's text (the clinician's words: "Laminectomy T7")
    status: str = "completed"  # FHIR's; one of ``NOT_KNOWN_DONE`` for a fixation begun, planned or unclear
    began: DateSpan | None = None  # its first day (a period's start): a course over days began on it


class Unread(msgspec.Struct, frozen=True):
    """A procedure done whose code is in none of the procedure ValueSets, and the Conditions with a site it names (a
    lesion, a compression): its bodySite is read where it is said."""

    ref: str
    reasons: tuple[str, ...]


def treated(procedure: Procedure, condition: str, bone: str | None, side: str | None) -> bool:
    """Whether ``procedure`` treated this Condition: its reasonReference names it, or, naming none, its
    bodySite names the same bone and side (a side unstated on either is not the same side)."""
    if procedure.reasons:
        return condition in procedure.reasons and not other_side(procedure, bone, side)
    return bool(bone and procedure.bone == bone and side and procedure.side == side)


def other_side(procedure: Procedure, bone: str | None, side: str | None) -> bool:
    """A fixation whose own bodySite places it elsewhere than the lesion it names: the other side of its bone (coded,
    or in the bodySite's words: "fémur droit"), or another bone (the left humerus for the left femur's lesion: review
    31). Which is right is not known: it fixed neither surely (``fixations_other_side``)."""
    if procedure.kind != "fixation" or not bone:
        return False
    place = procedure.place
    own_bone = procedure.bone or (place.bone if place else None)
    own_side = procedure.side or (place.side if place and place.side in (LEFT, RIGHT) else None)
    if own_bone is None or own_side is None:  # a site in words only ("fémur droit"), or "Enclouage fémur D" with
        # no bodySite: the bone and side its words write (review 32: the lesion it names was taken as fixed)
        words = " ".join(filter(None, (place.written or place.record_words if place else "",
                                       procedure.description if procedure.own_words else "")))
        own_bone = own_bone or one_long_bone(words)
        own_side = own_side or (side_beside_bone(words, own_bone) if own_bone else None)
    return bool(own_bone and (own_bone != bone or (side and own_side and own_side != side)))


def placed_as(procedure: Procedure) -> Place | Said:
    """Where a procedure's own record places it, for a card: its bodySite, else its name (said beside it)."""
    return procedure.place if procedure.place is not None else said("by its name")
