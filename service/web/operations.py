"""What an operator and an integrator read: the OpenAPI document and its page, Prometheus metrics,
and one JSON log line per request.

Metrics use prometheus_client. Under gunicorn each worker is a process: ``bonemet serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a private folder before the workers fork, and ``/metrics`` then
sums every worker's figures (prometheus_client's multiprocess mode).

The log line of a request carries: request id (the ``X-Request-Id`` header, else a new one, echoed
in the answer), method, path, service, hook, hookInstance, status, duration, and for a refused
request (401, 412, ...) the reason. Never a token, never patient data beyond ids.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request
from markupsafe import Markup, escape
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from ..redaction import redact
from ..render.uuids import random_uuid
from .openapi import docs_entries, openapi_document
from .screen_policy import page_locale, secure_page

blueprint = Blueprint("operations", __name__, template_folder="templates")
access_log = logging.getLogger("bonemet.access")

REQUESTS = Counter("bonemet_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("bonemet_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20))
CARDS = Counter("bonemet_cards_total", "CDS Hooks cards returned", ["service", "indicator"])
REFUSED = Counter("bonemet_refused_total", "Requests refused (4xx), by status and reason", ["status", "reason"])
# The issuer label takes only the configured issuers' values (a token of another is refused before).
KEY_PROBLEMS = Counter("bonemet_jwt_key_problems_total", "Tokens whose key could not be found: kid unknown to the "
                       "issuer's JWKS, or the JWKS unreadable", ["issuer", "problem"])
FETCHES = Counter("bonemet_fhir_fetches_total", "Reads of an EHR's FHIR server", ["outcome"])


@blueprint.get("/openapi.json")
def openapi():
    settings = current_app.config["BONEMET"]
    return current_app.response_class(json.dumps(openapi_document(settings.base_url, bool(settings.allowed_hosts))),
                                      mimetype="application/json")


@blueprint.app_template_filter("code_words")
def code_words(text: str) -> Markup:
    """A description's `code` as <code>, escaped first: the page shows no raw backticks."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


@blueprint.get("/docs")
def docs():
    from .page_words import WORDS

    locale = page_locale()
    settings = current_app.config["BONEMET"]
    spec = openapi_document(settings.base_url, bool(settings.allowed_hosts))
    response = Response(render_template("docs.html", spec=spec, entries=docs_entries(spec, settings.base_url),
                                        words=WORDS[locale], locale=locale), mimetype="text/html")
    return secure_page(response)


@blueprint.get("/metrics")
def metrics():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    # content_type, not mimetype: CONTENT_TYPE_LATEST already names its charset, which Flask would add again.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


# -- per request ---------------------------------------------------------------------------------


# The metrics' labels take a fixed set of values, whatever a client sends: the route (never the raw path),
# and the method among those HTTP defines, else "other". Each new label set is a new series in every scrape.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def _endpoint() -> str:
    return request.url_rule.rule if request.url_rule else "unmatched"


def _method() -> str:
    return request.method if request.method in METHODS else "other"


def start_request() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    # uuid4().hex's form (version and variant bits set) without building a UUID object: about 7 µs less a request
    g.request_id = given[:64] if given and given.isprintable() else random_uuid().replace("-", "")


def finish_request(response: Response) -> Response:
    started = g.get("started")
    if started is None:
        return response
    duration = time.perf_counter() - started
    endpoint = _endpoint()
    REQUESTS.labels(endpoint, _method(), str(response.status_code)).inc()
    LATENCY.labels(endpoint).observe(duration)
    response.headers["X-Request-Id"] = g.request_id
    line: dict[str, Any] = {"request_id": g.request_id, "method": request.method[:20],
                            "path": redact(request.path[:200]), "endpoint": endpoint,
                            "status": response.status_code,
                            "duration_ms": round(duration * 1000, 2)}
    line.update(g.get("log_fields", {}))
    if 400 <= response.status_code < 500:
        reason = _reason(response)
        line["reason"] = reason
        REFUSED.labels(str(response.status_code), _reason_kind(response.status_code, reason)).inc()
    access_log.info("request", extra=line)  # a JSON line under `bonemet serve` (python-json-logger)
    return response


def note(**fields: Any) -> None:
    """Fields for this request's log line (service, hook, hookInstance, cards...): ids only."""
    g.setdefault("log_fields", {}).update(fields)


def count_cards(service: str, cards: Sequence[Mapping[str, Any]]) -> None:
    for card in cards:
        CARDS.labels(service, card.get("indicator", "?")).inc()
    note(cards=len(cards))


def _reason(response: Response) -> str:
    """The refusal's own words (the JSON body's detail, or the OperationOutcome's diagnostics)."""
    if response.mimetype not in ("application/json", "application/fhir+json") or response.direct_passthrough:
        return ""
    try:
        body = json.loads(response.get_data(as_text=True))
    except ValueError:
        return ""
    if isinstance(body, dict) and body.get("resourceType") == "OperationOutcome":
        return "; ".join(str(i.get("diagnostics", "")) for i in body.get("issue", [])[:3])[:300]
    return str(body.get("detail", ""))[:300] if isinstance(body, dict) else ""


_KINDS = [("token", "jwt"), ("jwt", "jwt"), ("authorization", "jwt"), ("prefetch", "prefetch"),
          ("fhirserver", "prefetch"), ("too many", "limit"), ("over the limit", "limit"), ("larger", "limit"),
          ("json", "body"), ("content-type", "body"), ("card", "feedback")]


def _reason_kind(status: int, reason: str) -> str:
    """A few stable words for the metric's label (the full reason is in the log)."""
    lowered = reason.lower()
    return next((kind for word, kind in _KINDS if word in lowered), "other" if status != 404 else "not_found")
