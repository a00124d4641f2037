"""Fetch what prefetch did not bring from the EHR's FHIR server.

Only hosts on the configured allow-list are ever contacted, so an EHR cannot make
this service call an arbitrary URL (server-side request forgery):

* a redirect is never followed (it could lead anywhere): it is a failed fetch;
* ``next`` links must stay on the same host;
* one deadline covers all the fetching of a request, and answers are read as a
  stream with a byte cap per answer and per request, so a server that drips bytes or
  sends an endless answer cannot hold a worker or fill its memory;
* a search cut short by the page cap is reported (``truncated``), never silent;
* a path with a ``.`` or ``..`` segment (an id of ``..`` from the EHR) is never requested: the
  callers check ids first (``ids.is_fhir_id``), and this is the last guard.

Failure messages are safe to show the EHR: they say what went wrong without
describing what answered where. The access token is sent, never logged.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from ..i18n import Said, said
from .ids import has_dot_segment
from .shape import InvalidResource, bundle_resources, check_shape, matches, next_link, search_total

log = logging.getLogger(__name__)


class FetchError(Exception):
    """The data could not be fetched; the message is safe to show the EHR."""


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc or "").lower()


class FhirClient:
    def __init__(self, base_url: str, token: str | None, *, allowed_hosts: frozenset[str],
                 timeout: tuple[float, float], page_cap: int, deadline_seconds: float = 8.0,
                 max_answer_bytes: int = 10_000_000, max_total_bytes: int = 20_000_000,
                 session: requests.Session | None = None) -> None:
        if host_of(base_url) not in allowed_hosts:
            raise FetchError(f"fhirServer host {host_of(base_url)!r} is not on this service's allow-list "
                             "(BONEMET_FHIR_ALLOWED_HOSTS): send the data as prefetch, or add the host there")
        self.base_url = base_url.rstrip("/")
        self.host = host_of(base_url)
        self.timeout = timeout
        self.page_cap = page_cap
        self.deadline = time.monotonic() + deadline_seconds
        self.deadline_seconds = deadline_seconds
        self.max_answer_bytes = max_answer_bytes
        self.bytes_left = max_total_bytes
        self.truncated: list[Said] = []  # searches cut short by the page cap
        self.session = session or requests.Session()
        self.headers = {"Accept": "application/fhir+json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"the EHR's FHIR server did not answer within {self.deadline_seconds:g} s in all")
        return left

    def _read_body(self, response: requests.Response) -> bytes:
        """The answer's bytes, read as they come, within the deadline and the byte caps."""
        cap = min(self.max_answer_bytes, self.bytes_left)
        body = bytearray()
        while True:
            # read1: whatever bytes have arrived (at most 64 KiB), so a server that drips meets the deadline
            # instead of being waited for until a full chunk comes.
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            body += chunk
            if len(body) > cap:
                raise FetchError(f"the EHR's FHIR server answered more than {cap} bytes; not read")
            self._remaining()
        self.bytes_left -= len(body)
        return bytes(body)

    def _get(self, url: str) -> dict:
        if host_of(url) != self.host:
            raise FetchError("a Bundle link leads off the EHR's FHIR server; not followed")
        body = self._exchange("GET", url)
        if not isinstance(body, dict):
            raise FetchError("the EHR's FHIR server answered JSON that is not a FHIR resource")
        return body

    def _exchange(self, method: str, url: str, bundle: dict | None = None) -> Any:
        """One request within the deadline and byte caps: its answer as JSON, or ``FetchError`` saying why."""
        connect, read = self.timeout
        left = self._remaining()
        headers = {**self.headers, "Content-Type": "application/fhir+json"} if bundle is not None else self.headers
        try:
            with self.session.request(method, url, json=bundle, headers=headers, allow_redirects=False,
                                      timeout=(min(connect, left), min(read, left)), stream=True) as response:
                if 300 <= response.status_code < 400:
                    raise FetchError(f"the EHR's FHIR server answered a redirect (HTTP {response.status_code}); "
                                     "redirects are not followed")
                if response.status_code in (401, 403):
                    raise FetchError(f"the EHR's FHIR server refused the access token (HTTP {response.status_code})")
                if response.status_code >= 400:
                    raise FetchError(f"the EHR's FHIR server answered HTTP {response.status_code}")
                raw = self._read_body(response)
        except requests.RequestException:
            # One message for timeouts, refused and reset connections: it says nothing of what listens where.
            raise FetchError("the EHR's FHIR server gave no usable answer in time") from None
        try:
            return json.loads(raw)
        except ValueError:
            raise FetchError("the EHR's FHIR server answered something other than JSON") from None

    @staticmethod
    def _check_path(relative: str) -> None:
        if has_dot_segment(relative):
            raise FetchError("a path with a '.' or '..' segment is not a FHIR id; not requested")

    def get_json(self, relative: str) -> dict:
        """GET ``relative`` as plain JSON (not a FHIR resource: the SMART configuration), same guards."""
        self._check_path(relative)
        return self._get(f"{self.base_url}/{relative.lstrip('/')}")

    def read(self, relative: str) -> list[dict]:
        """GET ``relative`` (a read or a search); a search's pages are followed up to the cap."""
        self._check_path(relative)
        return self._pages(f"{self.base_url}/{relative.lstrip('/')}", relative, self.page_cap)

    def follow(self, first_page: dict, next_url: str, relative: str) -> list[dict]:
        """The pages after ``first_page`` of search ``relative`` (it came in the prefetch), from its ``next``
        link: up to the cap, that first page counted."""
        return self._pages(urljoin(f"{self.base_url}/", next_url), relative, self.page_cap - 1,
                           search_total(first_page), matches(first_page))

    def _pages(self, url: str, relative: str, pages: int, total: int | None = None, matched: int = 0) -> list[dict]:
        resources: list[dict] = []
        search = relative.split("?")[0]
        for _ in range(pages):
            body = self._get(url)
            try:
                if body.get("resourceType") != "Bundle":
                    return [check_shape(body, relative)]
                resources.extend(bundle_resources(body, relative))
            except InvalidResource as error:
                raise FetchError(f"malformed answer from the EHR's FHIR server: {error}") from None
            total = search_total(body) if total is None else total
            matched += matches(body)
            following = next_link(body)
            if following is None:
                if total is not None and total > matched:  # a server that caps its answer without a next page
                    self.truncated.append(said("{search}: the EHR's FHIR server gave {matched} of its {total} results, "
                                               "with no next page: the others are not in this assessment",
                                               search=search, matched=matched, total=total))
                return resources
            url = following
        self.truncated.append(said("{search}: only the first {pages} pages were read (BONEMET_FHIR_PAGE_CAP); "
                                   "resources on later pages are not in this assessment", search=search,
                                   pages=self.page_cap))
        log.warning("stopped after %d pages of %s", self.page_cap, search)
        return resources

    def operation(self, relative: str, parameters: dict) -> dict:
        """POST a Parameters resource to an operation (``ValueSet/$expand``); its answer, under the same guards."""
        self._check_path(relative)
        answer = self._exchange("POST", f"{self.base_url}/{relative.lstrip('/')}", parameters)
        if not isinstance(answer, dict):
            raise FetchError("the FHIR server answered JSON that is not a FHIR resource")
        return answer

    def transaction(self, bundle: dict) -> dict:
        """POST a transaction Bundle to the server's base; its answer (the transaction-response)."""
        answer = self._exchange("POST", self.base_url, bundle)
        if not isinstance(answer, dict):
            raise FetchError("the EHR's FHIR server answered JSON that is not a FHIR resource")
        return answer
