"""A resource's identity in a record: the reference it is named by, the identifiers that name it, and, of two
versions of one resource sent together (a search page and an update, two exports), which is newer, by what its
``meta`` says (never guessed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .terminology import objects


def reference_of(resource: dict[str, Any], position: int) -> str:
    rid = resource.get("id")
    return f"{resource.get('resourceType')}/{rid}" if rid else f"{resource.get('resourceType')}[{position}]"


def identifier_index(resources: Iterable[tuple[str, dict[str, Any]]]) -> dict[tuple[Any, str], list[str]]:
    """(identifier system, value) -> the references of the resources carrying it: resolves a logical reference."""
    index: dict[tuple[Any, str], list[str]] = defaultdict(list)
    for ref, resource in resources:
        for identifier in objects(resource.get("identifier")):
            if isinstance(identifier.get("value"), str):
                index[(identifier.get("system"), identifier["value"])].append(ref)
    return index


def newer_version(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any] | None:
    """Of two versions of one resource, the one its ``meta`` says is newer (versionId, else lastUpdated), or
    None when it does not say: which of two differing records holds is then not guessed."""
    versions = [r["meta"] if isinstance(r.get("meta"), dict) else {} for r in (first, second)]
    ids = [str(meta.get("versionId", "")) for meta in versions]
    if all(version.isdigit() for version in ids) and ids[0] != ids[1]:
        return first if int(ids[0]) > int(ids[1]) else second
    try:
        stamps = [datetime.fromisoformat(str(meta["lastUpdated"]).replace("Z", "+00:00")) for meta in versions]
        if stamps[0] != stamps[1]:
            return first if stamps[0] > stamps[1] else second
    except (KeyError, ValueError, TypeError):  # absent, unreadable, or one with and one without a time zone
        pass
    return None


def version_of(resource: dict[str, Any]) -> str:
    meta: dict[str, Any] = resource["meta"] if isinstance(resource.get("meta"), dict) else {}
    if meta.get("versionId") is not None:
        return f"versionId {str(meta['versionId'])[:40]}"
    return f"lastUpdated {str(meta.get('lastUpdated'))[:40]}"
