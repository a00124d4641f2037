"""The CDS Hooks 2.0 card, typed: what every card the service writes is made of (mypy checks each field).

Only the fields the service writes; names and values as the specification spells them.
"""

from __future__ import annotations

from typing import Any, Literal, Required, TypedDict


class Coding(TypedDict, total=False):
    system: str
    code: Required[str]
    display: str


class Source(TypedDict, total=False):
    label: Required[str]
    url: str
    topic: Coding


class Link(TypedDict, total=False):
    label: Required[str]
    url: Required[str]
    type: Required[Literal["absolute", "smart"]]
    autoLaunchable: bool


class Action(TypedDict, total=False):
    type: Required[Literal["create", "update", "delete"]]
    description: Required[str]
    resource: dict[str, Any]
    # A delete: the draft order it removes, "Type/id". One string, as CDS Hooks 2.0 defines it (Action: resourceId,
    # "a relative reference to the relevant resource"; HL7 cds-hooks CDSHooksResponse: resourceId 0..1 url).
    resourceId: str


class Suggestion(TypedDict, total=False):
    label: Required[str]
    uuid: str
    isRecommended: bool
    actions: list[Action]


class OverrideReason(TypedDict):
    system: str
    code: str
    display: str


class Card(TypedDict, total=False):
    uuid: str
    summary: Required[str]
    detail: str
    indicator: Required[Literal["info", "warning", "critical"]]
    source: Required[Source]
    suggestions: list[Suggestion]
    selectionBehavior: Literal["at-most-one", "any"]
    overrideReasons: list[OverrideReason]
    links: list[Link]
