"""Fetch what prefetch did not bring from the EHR's FHIR server.

Only hosts on the configured allow-list are ever contacted, so an EHR cannot make
this service call an arbitrary URL (server-side request forgery):

* a redirect is never followed (it could lead anywhere): it is a failed fetch;
* ``next`` links must stay on the same host;
* one deadline covers all the fetching of a request, and answers are read as a
  stream with a byte cap per answer and per request, so a server that drips bytes or
  sends an endless answer cannot hold a worker or fill its memory;
* a search cut short by the page cap is reported (``truncated``), never silent;
* the distinct searches of a request run at once (``at_once``: pages of one search follow in turn),
  over connections kept and reused by one session per process, which never keeps cookies;
* a path with a ``.`` or ``..`` segment (an id of ``..`` from the EHR) is never requested: the
  callers check ids first (``ids.is_fhir_id``), and this is the last guard.

Failure messages are safe to show the EHR: they say what went wrong without
describing what answered where. The access token is sent, never logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import DefaultCookiePolicy
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests

from ..i18n import Said, said
from . import json_read
from .ids import has_dot_segment
from .shape import InvalidResource, bundle_resources, check_shape, matches, next_link, search_total

log = logging.getLogger(__name__)
T = TypeVar("T")
MOST_AT_ONCE = 8  # searches (or reads) of one request sent at once: a request makes 4 searches and <= 20 reads

_SESSION: list[requests.Session] = []
_SESSION_LOCK = threading.Lock()


def shared_session() -> requests.Session:
    """This process's session: its connections to EHR FHIR servers are kept and reused by every request's
    searches (no new TCP and TLS handshake each time). Made in the worker, after gunicorn forks. It keeps no
    cookie: one EHR's, or one patient's request's, must never go with another's."""
    with _SESSION_LOCK:
        if not _SESSION:
            session = requests.Session()
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=MOST_AT_ONCE, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            _SESSION.append(session)
        return _SESSION[0]


class FetchError(Exception):
    """The data could not be fetched; the message is safe to show the EHR."""


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc or "").lower()


class FhirClient:
    def __init__(self, base_url: str, token: str | None, *, allowed_hosts: frozenset[str],
                 timeout: tuple[float, float], page_cap: int, deadline_seconds: float = 8.0,
                 max_answer_bytes: int = 10_000_000, max_total_bytes: int = 20_000_000,
                 session: requests.Session | None = None, mapper_reads: Callable[[dict], bool] | None = None) -> None:
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
        self.max_total_bytes = max_total_bytes
        self.bytes_left = max_total_bytes
        self.truncated: list[Said] = []  # searches cut short by the page cap
        self._lock = threading.Lock()  # bytes_left is shared by the searches running at once
        self._cuts = threading.local()  # the truncations of the search this thread runs (at_once)
        self.session = session or shared_session()
        self.mapper_reads = mapper_reads  # what the mapper may read: the others (labs...) need only be resources
        self.headers = {"Accept": "application/fhir+json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"the EHR's FHIR server did not answer within {self.deadline_seconds:g} s in all")
        return left

    def _read_body(self, response: requests.Response) -> bytes:
        """The answer's bytes, read as they come, within the deadline and the byte caps (the request's cap
        shared with the searches running at once: each chunk is counted as it comes)."""
        body = bytearray()
        while True:
            # read1: whatever bytes have arrived (at most 64 KiB), so a server that drips meets the deadline
            # instead of being waited for until a full chunk comes.
            chunk = response.raw.read1(65536, decode_content=True)
            if not chunk:
                break
            body += chunk
            with self._lock:
                self.bytes_left -= len(chunk)
                left = self.bytes_left
            if len(body) > self.max_answer_bytes:
                raise FetchError(f"the EHR's FHIR server answered more than {self.max_answer_bytes} bytes; not read")
            if left < 0:
                raise FetchError(f"the EHR's FHIR server's answers to this request came to more than "
                                 f"{self.max_total_bytes} bytes; not read")
            self._remaining()
        return bytes(body)

    def at_once(self, calls: Sequence[Callable[[], T]]) -> list[T | FetchError]:
        """Run ``calls`` (distinct searches or reads of this client) at once, within the one deadline and byte
        caps: each one's result, or the ``FetchError`` it raised, in the order of ``calls``. The truncations
        they report are in ``truncated`` in that order too."""

        def run(call: Callable[[], T]) -> tuple[T | FetchError, list[Said]]:
            notes: list[Said] = []
            self._cuts.notes = notes
            try:
                return call(), notes
            except FetchError as error:
                return error, notes
            finally:
                del self._cuts.notes

        if len(calls) <= 1:
            outcomes = [run(call) for call in calls]
        else:
            pool = ThreadPoolExecutor(min(len(calls), MOST_AT_ONCE), thread_name_prefix="fhir-fetch")
            try:
                outcomes = list(pool.map(run, calls))
            finally:
                # Each call ends by the fetch deadline; a request stopped by its own deadline does not wait.
                pool.shutdown(wait=False, cancel_futures=True)
        for _, notes in outcomes:
            self.truncated.extend(notes)
        return [outcome for outcome, _ in outcomes]

    def _cut(self, note: Said) -> None:
        notes = getattr(self._cuts, "notes", None)
        (self.truncated if notes is None else notes).append(note)

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
            return json_read.loads(raw)  # the one reader: orjson, and a nesting limit (TooDeep is a ValueError)
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
                resources.extend(bundle_resources(body, relative, read=self.mapper_reads))
            except InvalidResource as error:
                raise FetchError(f"malformed answer from the EHR's FHIR server: {error}") from None
            total = search_total(body) if total is None else total
            matched += matches(body)
            following = next_link(body)
            if following is None:
                if total is not None and total > matched:  # a server that caps its answer without a next page
                    self._cut(said("{search}: the EHR's FHIR server gave {matched} of its {total} results, "
                                               "with no next page: the others are not in this assessment",
                                               search=search, matched=matched, total=total))
                return resources
            url = following
        self._cut(said("{search}: only the first {pages} pages were read (BONEMET_FHIR_PAGE_CAP); "
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
