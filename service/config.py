"""Settings of the service: embedded defaults, overridden by environment
variables, overridden by command-line flags. One place lists them all."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

ENV_PREFIX = "BONEMET_"


class Settings(msgspec.Struct, frozen=True):
    """Every setting, its default, and (in ``help``) what it does."""

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    client_timeout: float = 15.0
    log_level: str = "INFO"
    max_body_bytes: int = 5_000_000
    feedback_db: str = "bonemet-feedback.sqlite3"
    database_url: str = ""
    fhir_allowed_hosts: str = ""
    fhir_connect_timeout: float = 3.0
    fhir_read_timeout: float = 10.0
    fhir_page_cap: int = 10
    fhir_fetch_deadline: float = 8.0
    fhir_max_answer_bytes: int = 10_000_000
    fhir_max_fetch_bytes: int = 20_000_000
    terminology_url: str = ""
    pain_score_bands: str = ""
    fact_windows: str = ""
    trusted_issuers: str = ""
    public_url: str = ""
    jwt_max_lifetime: int = 300
    max_resources: int = 20_000
    max_scored_per_patient: int = 100
    max_patients: int = 1_000
    request_timeout: float = 20.0
    feedback_window_hours: float = 72.0
    assessment_minutes: float = 15.0
    link_secret: str = ""
    smart_client_id: str = ""
    frame_ancestors: str = ""
    cors_origins: str = ""
    time_zone: str = "UTC"
    demo: bool = False

    help: ClassVar[dict[str, str]] = {
        "host": "address to listen on (BONEMET_HOST)",
        "port": "TCP port to listen on (BONEMET_PORT)",
        "workers": "gunicorn worker processes (BONEMET_WORKERS)",
        "client_timeout": "seconds a client has to send its whole request (line, headers, body) once connected; "
        "then 408 and the connection is closed. Until then it waits without holding a worker (BONEMET_CLIENT_TIMEOUT)",
        "log_level": "DEBUG, INFO, WARNING or ERROR (BONEMET_LOG_LEVEL)",
        "max_body_bytes": "largest request body accepted; larger gets 413 (BONEMET_MAX_BODY_BYTES)",
        "feedback_db": "SQLite file of the service's state (feedback, issued cards, JWT ids seen, assessment links) "
        "when BONEMET_DATABASE_URL is empty (BONEMET_FEEDBACK_DB)",
        "database_url": "PostgreSQL database shared by several instances behind one address, e.g. "
        "postgresql://bonemet@db.hospital.example/bonemet; empty (default): the SQLite file BONEMET_FEEDBACK_DB "
        "(BONEMET_DATABASE_URL)",
        "fhir_allowed_hosts": "comma-separated host[:port] of EHR FHIR servers we may call; empty: none "
        "(BONEMET_FHIR_ALLOWED_HOSTS)",
        "fhir_connect_timeout": "seconds to connect to an EHR FHIR server (BONEMET_FHIR_CONNECT_TIMEOUT)",
        "fhir_read_timeout": "seconds to wait for its answer (BONEMET_FHIR_READ_TIMEOUT)",
        "fhir_page_cap": "most Bundle pages followed per search; a search cut short is said in the card "
        "(BONEMET_FHIR_PAGE_CAP)",
        "fhir_fetch_deadline": "seconds for all the fetching of one request, well under the worker timeout "
        "(BONEMET_FHIR_FETCH_DEADLINE)",
        "fhir_max_answer_bytes": "largest answer read from the EHR's FHIR server (BONEMET_FHIR_MAX_ANSWER_BYTES)",
        "fhir_max_fetch_bytes": "most bytes fetched for one request (BONEMET_FHIR_MAX_FETCH_BYTES)",
        "terminology_url": "base URL of a FHIR terminology server (Snowstorm, Ontoserver, a national server) that "
        "says which SNOMED CT codes descend from the ValueSets' concepts ($expand with an is-a filter, kept per "
        "process); its host must be in BONEMET_FHIR_ALLOWED_HOSTS; empty (default): only the descendants the "
        "ValueSets ship are read (BONEMET_TERMINOLOGY_URL)",
        "trusted_issuers": "JSON object: EHR issuer (JWT iss) -> its JWKS URL or local JWKS file; empty: no "
        "authentication, loopback only (BONEMET_TRUSTED_ISSUERS)",
        "public_url": "this service's public base URL, which the EHR's JWT must name in aud, e.g. "
        "https://cds.hospital.example (BONEMET_PUBLIC_URL; default http://HOST:PORT)",
        "max_resources": "most resources in one request (prefetch, fetched, or Bundle entries); more: 413 "
        "(BONEMET_MAX_RESOURCES)",
        "max_scored_per_patient": "most long-bone lesions and cord compressions scored for one patient; more: 422 "
        "(BONEMET_MAX_SCORED_PER_PATIENT)",
        "max_patients": "most patients in one $assess Bundle; more: 422 (BONEMET_MAX_PATIENTS)",
        "request_timeout": "seconds one request may take before it is answered 503 (JSON), under the worker "
        "timeout (BONEMET_REQUEST_TIMEOUT)",
        "feedback_window_hours": "hours the issued cards are remembered; feedback on an older or unknown card is "
        "refused (BONEMET_FEEDBACK_WINDOW_HOURS)",
        "assessment_minutes": "minutes a card's link to the assessment page stays valid "
        "(BONEMET_ASSESSMENT_MINUTES)",
        "link_secret": "key that signs those links; empty (default): one is made and kept in the store, shared "
        "by every worker and instance (BONEMET_LINK_SECRET)",
        "smart_client_id": "client id registered with the EHR for SMART App Launch; when set, cards link to the "
        "assessment page as a SMART app, which reads from and writes back to the EHR's FHIR server (whose host "
        "must be in BONEMET_FHIR_ALLOWED_HOSTS) (BONEMET_SMART_CLIENT_ID)",
        "frame_ancestors": "origins that may show the service's pages inside a frame (CSP frame-ancestors), "
        "space- or comma-separated, e.g. 'https://ehr.hospital.example'; an EHR that opens the assessment page "
        "(a card's link, or the SMART app) inside its own window needs its origin here; empty (default): "
        "none, the pages open in a window or tab of their own (BONEMET_FRAME_ANCESTORS)",
        "cors_origins": "origins whose scripts may call the CDS Hooks and FHIR endpoints from a browser (CORS), "
        "space- or comma-separated, e.g. 'https://sandbox.cds-hooks.org', or * for any (a test network only); "
        "empty (default): none, as EHR servers call the service from their back end (BONEMET_CORS_ORIGINS)",
        "time_zone": "the site's time zone, an IANA name such as Europe/Paris: an assessment made now is as of "
        "today there (records carry the clinic's local times) (BONEMET_TIME_ZONE)",
        "demo": "unauthenticated demo mode on a trusted network: listen beyond loopback without trusted issuers, "
        "said loudly in the log (BONEMET_DEMO=1)",
        "jwt_max_lifetime": "most seconds between a JWT's iat and exp that are accepted (BONEMET_JWT_MAX_LIFETIME)",
        "fact_windows": "how old a record of an item may be, in days, e.g. 'motor_function=7,pain=14'; empty "
        "(default): the windows of seeds/fact_windows.json, a clinical decision each site reviews "
        "(BONEMET_FACT_WINDOWS)",
        "pain_score_bands": "map 0-10 pain scores to Mirels pain, e.g. 'mild=0-3,moderate=4-6,functional=7-10'; "
        "empty (default): not mapped, the guideline gives no mapping (BONEMET_PAIN_SCORE_BANDS)",
    }

    def __post_init__(self) -> None:
        # Log levels in any case ("debug", "DEBUG"); an unknown one stops the start with the setting's name.
        level = str(self.log_level).upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError(f"BONEMET_LOG_LEVEL / --log-level must be DEBUG, INFO, WARNING or ERROR, "
                             f"not {self.log_level!r}")
        msgspec.structs.force_setattr(self, "log_level", level)  # frozen: the one change, made here
        _ = self.zone  # an unknown time zone stops the start with the setting's name

    @property
    def zone(self) -> ZoneInfo:
        """The site's time zone; ValueError naming the setting when zoneinfo does not know it."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):  # unknown, or not a zone name at all ("../x", "")
            raise ValueError(f"BONEMET_TIME_ZONE: {self.time_zone[:60]!r} is not a time zone zoneinfo knows; write "
                             "an IANA name, e.g. Europe/Paris or America/New_York (default UTC)") from None

    def now(self) -> datetime:
        """The moment of an assessment made now, in the site's time zone: its date is the clinic's today, the
        assessment date of every door that does not name one (a hook, the assessment page, ``$assess`` without
        asOf, ``bonemet assess`` without --as-of, bulk)."""
        return datetime.now(self.zone)

    @property
    def allowed_hosts(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.fhir_allowed_hosts.split(",") if h.strip())

    @property
    def issuers(self) -> dict[str, str]:
        """Parsed ``trusted_issuers``; raises ValueError naming the setting when malformed."""
        if not self.trusted_issuers.strip():
            return {}
        try:
            issuers = json.loads(self.trusted_issuers)
        except ValueError:
            issuers = None
        if not isinstance(issuers, dict) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                    for k, v in issuers.items()):
            raise ValueError('BONEMET_TRUSTED_ISSUERS must be a JSON object {"issuer": "JWKS URL or file"}')
        return issuers

    @property
    def frame_origins(self) -> tuple[str, ...]:
        """Parsed ``frame_ancestors``; ValueError naming the setting when an entry is not an origin."""
        return _origins(self.frame_ancestors, "BONEMET_FRAME_ANCESTORS", wildcard_hosts=True)

    @property
    def cors(self) -> tuple[str, ...]:
        """Parsed ``cors_origins``: origins, or ("*",); ValueError naming the setting when malformed."""
        if self.cors_origins.strip() == "*":
            return ("*",)
        return _origins(self.cors_origins, "BONEMET_CORS_ORIGINS", wildcard_hosts=False)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def windows(self) -> tuple[tuple[str, int], ...]:
        """Parsed ``fact_windows`` (overrides of seeds/fact_windows.json); ValueError naming the setting."""
        from .facts.moments import parse_windows  # the seed lists the items a window may be set for

        return parse_windows(self.fact_windows)

    @property
    def pain_bands(self) -> tuple[tuple[str, float, float], ...]:
        """Parsed ``pain_score_bands``; raises ValueError naming the setting when malformed."""
        bands = []
        for part in filter(None, (p.strip() for p in self.pain_score_bands.split(","))):
            try:
                category, span = part.split("=")
                low, high = (float(x) for x in span.split("-"))
            except ValueError:
                raise ValueError(f"BONEMET_PAIN_SCORE_BANDS: cannot read {part!r}; "
                                 "write category=low-high, e.g. mild=0-3") from None
            if category not in ("mild", "moderate", "functional") or not 0 <= low <= high <= 10:
                raise ValueError(f"BONEMET_PAIN_SCORE_BANDS: {part!r} needs mild, moderate or functional "
                                 "and 0 <= low <= high <= 10")
            bands.append((category, low, high))
        return tuple(bands)

    @staticmethod
    def env_name(name: str) -> str:
        return ENV_PREFIX + name.upper()

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        # Every setting has a default: the defaults line up with the names.
        return dict(zip(cls.__struct_fields__, cls.__struct_defaults__, strict=True))

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults < ``environ`` (``BONEMET_*``) < ``overrides`` that are not None."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        # The annotations as written ("int", "bool"): msgspec.structs.fields would evaluate them, 0.3 ms at start.
        for name in cls.__struct_fields__:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = _convert(name, cls.__annotations__[name], raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
_WILDCARD_ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def _origins(value: str, setting: str, *, wildcard_hosts: bool) -> tuple[str, ...]:
    """Origins (scheme://host[:port], no path), space- or comma-separated; with ``wildcard_hosts``, also
    https://*.example.org (as CSP allows). Anything else stops the start with the setting's name."""
    shape = _WILDCARD_ORIGIN if wildcard_hosts else _ORIGIN
    origins = tuple(part for part in re.split(r"[\s,]+", value.strip()) if part)
    for origin in origins:
        if not shape.fullmatch(origin):
            example = "https://ehr.hospital.example" + (" or https://*.hospital.example" if wildcard_hosts else "")
            raise ValueError(f"{setting}: {origin[:60]!r} is not an origin; write scheme://host[:port], e.g. "
                             f"{example}")
    return tuple(origin.rstrip("/") for origin in origins)


def _convert(name: str, kind: Any, raw: str) -> Any:
    if kind in ("bool", bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be 1 or 0 (true or false), got {raw!r}")
    for type_name, convert, words in (("int", int, "a whole number"), ("float", float, "a number")):
        if kind in (type_name, convert):
            try:
                return convert(raw)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{name.upper()} must be {words}, got {raw!r}") from None
    return raw
