"""Fetch what prefetch did not bring from the EHR's FHIR server.

Only hosts on the configured allow-list are ever contacted, so an EHR cannot make
this service call an arbitrary URL (server-side request forgery); ``next`` links
must stay on the same host. The access token is sent, never logged.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from .shape import InvalidResource, bundle_resources, check_shape

log = logging.getLogger(__name__)


class FetchError(Exception):
    """The data could not be fetched; the message is safe to show the EHR."""


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc or "").lower()


class FhirClient:
    def __init__(self, base_url: str, token: str | None, *, allowed_hosts: frozenset[str],
                 timeout: tuple[float, float], page_cap: int, session: requests.Session | None = None) -> None:
        if host_of(base_url) not in allowed_hosts:
            raise FetchError(f"fhirServer host {host_of(base_url)!r} is not on this service's allow-list")
        self.base_url = base_url.rstrip("/")
        self.host = host_of(base_url)
        self.timeout = timeout
        self.page_cap = page_cap
        self.session = session or requests.Session()
        self.headers = {"Accept": "application/fhir+json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _get(self, url: str) -> dict:
        if host_of(url) != self.host:
            raise FetchError("a Bundle link leads off the EHR's FHIR server; not followed")
        try:
            response = self.session.get(url, headers=self.headers, timeout=self.timeout)
        except requests.Timeout:
            raise FetchError(f"the EHR's FHIR server did not answer in time ({url.split('?')[0]})") from None
        except requests.RequestException as error:
            raise FetchError(f"the EHR's FHIR server could not be reached: {type(error).__name__}") from None
        if response.status_code in (401, 403):
            raise FetchError(f"the EHR's FHIR server refused the access token (HTTP {response.status_code})")
        if response.status_code >= 400:
            raise FetchError(f"the EHR's FHIR server answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise FetchError("the EHR's FHIR server answered something other than JSON") from None
        if not isinstance(body, dict):
            raise FetchError("the EHR's FHIR server answered JSON that is not a FHIR resource")
        return body

    def read(self, relative: str) -> list[dict]:
        """GET ``relative`` (a read or a search); a search's pages are followed up to the cap."""
        url = f"{self.base_url}/{relative.lstrip('/')}"
        resources: list[dict] = []
        for page in range(self.page_cap):
            body = self._get(url)
            try:
                if body.get("resourceType") != "Bundle":
                    return [check_shape(body, relative)]
                resources.extend(bundle_resources(body, relative))
            except InvalidResource as error:
                raise FetchError(f"malformed answer from the EHR's FHIR server: {error}") from None
            links = body.get("link") if isinstance(body.get("link"), list) else []
            url = next((l.get("url") for l in links if isinstance(l, dict) and l.get("relation") == "next"), None)
            if not isinstance(url, str):
                return resources
        log.warning("stopped after %d pages of %s", self.page_cap, relative.split("?")[0])
        return resources
