"""A FHIR terminology server that says which SNOMED CT concepts descend from those of the ValueSets.

Optional (``BONEMET_TERMINOLOGY_URL``): a national server (France's SMT), a hospital's Snowstorm or
Ontoserver. For each concept a ValueSet takes with its descendants (an ``is-a`` filter), the server
expands it once per process (``ValueSet/$expand`` of an inline ValueSet with that filter); a code is a
descendant when an expansion holds it. The expansions are kept for the life of the process: a SNOMED CT
release changes them twice a year, a restart reads the new one.

It is called as any FHIR server is (``client.FhirClient``): its host must be on the fetch allow-list
(``BONEMET_FHIR_ALLOWED_HOSTS``), redirects are refused, and each round of expansions runs under the
fetch deadline and byte caps. A server that fails is not asked again for a minute (each code it was to
place is named, saying the server could not be asked); what it answered stays.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from ..config import Settings
from .client import FetchError, FhirClient, host_of

log = logging.getLogger(__name__)

SNOMED = "http://snomed.info/sct"
RETRY_AFTER_SECONDS = 60.0
PAGE = 1000  # codes asked per $expand page


class TerminologyServer:
    """``facts.terminology.TerminologyServer`` over HTTP: expansions of is-a filters, kept per process."""

    def __init__(self, url: str, settings: Settings, session: Any = None) -> None:
        if host_of(url) not in settings.allowed_hosts:
            raise ValueError(f"BONEMET_TERMINOLOGY_URL: its host {host_of(url)!r} is not on the fetch allow-list "
                             "(BONEMET_FHIR_ALLOWED_HOSTS): add it there")
        self.url = url.rstrip("/")
        self.settings = settings
        self.session = session
        self.expansions: dict[str, frozenset[str]] = {}
        self.failed_at: float | None = None
        self._lock = threading.Lock()

    def subsumers(self, code: str, roots: frozenset[str]) -> frozenset[str] | None:
        with self._lock:
            missing = sorted(roots - self.expansions.keys())
            if missing and not self._expand(missing):
                return None
            return frozenset(root for root in roots if code in self.expansions[root])

    def _client(self) -> FhirClient:
        s = self.settings
        return FhirClient(self.url, None, allowed_hosts=s.allowed_hosts,
                          timeout=(s.fhir_connect_timeout, s.fhir_read_timeout), page_cap=s.fhir_page_cap,
                          deadline_seconds=s.fhir_fetch_deadline, max_answer_bytes=s.fhir_max_answer_bytes,
                          max_total_bytes=s.fhir_max_fetch_bytes, session=self.session)

    def _expand(self, roots: list[str]) -> bool:
        """Expand ``roots`` (all, under one deadline and byte budget); False when the server failed."""
        if self.failed_at is not None and time.monotonic() - self.failed_at < RETRY_AFTER_SECONDS:
            return False
        client = self._client()
        try:
            for root in roots:
                self.expansions[root] = self._descendants(client, root)
        except FetchError as error:
            self.failed_at = time.monotonic()
            log.warning("terminology server %s: %s; SNOMED CT codes beyond the shipped expansions are not read "
                        "for a minute", self.url, error)
            return False
        self.failed_at = None
        return True

    def _descendants(self, client: FhirClient, root: str) -> frozenset[str]:
        """Every code of ``root``'s is-a expansion, page after page up to the page cap (a cut is logged)."""
        codes: set[str] = set()
        for page in range(self.settings.fhir_page_cap):
            answer = client.operation("ValueSet/$expand", _expand_parameters(root, page * PAGE))
            expansion = answer.get("expansion") if answer.get("resourceType") == "ValueSet" else None
            if not isinstance(expansion, dict):
                raise FetchError("the terminology server's $expand answer is not an expanded ValueSet")
            contains = [c for c in expansion.get("contains") or () if isinstance(c, dict)]
            codes.update(c["code"] for c in contains if c.get("system") == SNOMED and isinstance(c.get("code"), str))
            total = expansion.get("total")
            if not contains or not isinstance(total, int) or len(codes) >= total or len(contains) < PAGE:
                return frozenset(codes)
        log.warning("terminology server %s: the expansion of %s has more than %d pages (BONEMET_FHIR_PAGE_CAP); "
                    "the descendants past them are not read", self.url, root, self.settings.fhir_page_cap)
        return frozenset(codes)


def _expand_parameters(root: str, offset: int) -> dict[str, Any]:
    """$expand of "``root`` and its descendants" (an is-a filter), one page."""
    value_set = {"resourceType": "ValueSet", "status": "active", "compose": {"include": [
        {"system": SNOMED, "filter": [{"property": "concept", "op": "is-a", "value": root}]}]}}
    return {"resourceType": "Parameters", "parameter": [
        {"name": "valueSet", "resource": value_set}, {"name": "offset", "valueInteger": offset},
        {"name": "count", "valueInteger": PAGE}]}


def configure(settings: Settings) -> None:
    """Use the terminology server of ``settings`` in this process (none when BONEMET_TERMINOLOGY_URL is empty).
    Raises ValueError naming the setting when its host is not on the allow-list."""
    from ..facts.terminology import use_terminology_server

    url = settings.terminology_url.strip()
    use_terminology_server(TerminologyServer(url, settings) if url else None)
