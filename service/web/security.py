"""CDS Hooks 2.0 security: the EHR's JWT in ``Authorization: Bearer``.

Checked with PyJWT against the JWKS of the configured trusted issuers: the
signature (ES384 or RS384, key chosen by ``kid``), ``iss``, ``aud`` = the URL of
the endpoint called, ``exp``, ``iat``, and ``jti`` never seen before (replay),
remembered in the store (``service.store``) so that every worker and every instance sees it.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import jwt

from ..store import Store, StoreUnavailable
from .operations import KEY_PROBLEMS

log = logging.getLogger(__name__)
ALGORITHMS = ["ES384", "RS384"]


class Unauthorized(Exception):
    """The reason is safe to return to the caller."""


class _OncePerInterval:
    """A repeated problem said once per key and interval (per process), with how many went unsaid."""

    def __init__(self, seconds: float = 60.0) -> None:
        self.seconds = seconds
        self._last: dict[tuple[str, str], float] = {}
        self._unsaid: dict[tuple[str, str], int] = {}

    def due(self, key: tuple[str, str]) -> int | None:
        """None: not now (counted); else the number left unsaid since it was last said."""
        now = time.monotonic()
        if now - self._last.get(key, -self.seconds) < self.seconds:
            self._unsaid[key] = self._unsaid.get(key, 0) + 1
            return None
        self._last[key] = now
        return self._unsaid.pop(key, 0)


class JwtVerifier:
    def __init__(self, issuers: dict[str, str], store: Store, max_lifetime: int = 300) -> None:
        self.issuers = issuers
        self.max_lifetime = max_lifetime
        self.store = store
        self._url_clients: dict[str, jwt.PyJWKClient] = {}
        self._file_keys: dict[str, tuple[int, list]] = {}  # JWKS file -> (its mtime, its keys)
        self._said = _OncePerInterval()

    def _key(self, issuer: str, kid: str):
        source = self.issuers[issuer]
        try:
            if source.startswith(("https://", "http://")):
                client = self._url_clients.setdefault(source, jwt.PyJWKClient(source, cache_keys=True, timeout=5))
                client.get_signing_keys()  # an unreadable JWKS fails here (its set is cached for 5 minutes)
                try:
                    return client.get_signing_key(kid).key  # refetched on an unknown kid at most once a minute
                except jwt.PyJWKClientConnectionError:
                    raise
                except jwt.PyJWKClientError:
                    keys = []
            else:
                keys = self._keys_of_file(source)
        except (OSError, ValueError, jwt.PyJWKClientError, jwt.PyJWKSetError) as error:
            KEY_PROBLEMS.labels(issuer, "jwks_unreadable").inc()
            unsaid = self._said.due(("jwks_unreadable", issuer))
            if unsaid is not None:  # %r: no forged log line
                log.error("cannot read the JWKS of issuer %r: %r (said once a minute; %d more since)",
                          issuer, str(error), unsaid)
            raise Unauthorized("the issuer's keys could not be read (its JWKS URL or file in "
                               "BONEMET_TRUSTED_ISSUERS)") from None
        for key in keys:
            if key.key_id == kid:
                return key.key
        # Anyone can send a token with a made-up kid: counted, and said at most once a minute per issuer
        # (a key rotation the EHR did not publish looks the same, and is worth a line).
        KEY_PROBLEMS.labels(issuer, "unknown_kid").inc()
        unsaid = self._said.due(("unknown_kid", issuer))
        if unsaid is not None:
            log.warning("a token of issuer %r names kid %r, which its JWKS does not have (said once a minute; "
                        "%d more since; all counted in bonemet_jwt_key_problems_total)", issuer, kid[:80], unsaid)
        raise Unauthorized("no key of the issuer matches the token's kid")

    def _keys_of_file(self, source: str) -> list:
        """The keys of a local JWKS file, parsed again only when the file changes (a key rotation)."""
        path = Path(source)
        modified = path.stat().st_mtime_ns
        cached = self._file_keys.get(source)
        if cached is None or cached[0] != modified:
            cached = (modified, jwt.PyJWKSet.from_dict(json.loads(path.read_text("utf-8"))).keys)
            self._file_keys[source] = cached
        return cached[1]

    def verify(self, authorization: str | None, audience: str) -> dict:
        if not authorization or not authorization.startswith("Bearer "):
            raise Unauthorized("missing 'Authorization: Bearer <JWT>' (BONEMET_TRUSTED_ISSUERS is set: every POST "
                               "needs a JWT signed by one of its issuers)")
        token = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(token)
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
        except jwt.PyJWTError:
            raise Unauthorized("the bearer token is not a JWT") from None
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized(f"alg must be one of {', '.join(ALGORITHMS)}")
        if not isinstance(header.get("kid"), str) or not header["kid"]:
            raise Unauthorized("the token header has no kid (CDS Hooks requires it)")
        if not isinstance(issuer, str) or issuer not in self.issuers:
            raise Unauthorized("iss is not a trusted issuer (add it to BONEMET_TRUSTED_ISSUERS)")
        key = self._key(issuer, header["kid"])
        try:
            claims = jwt.decode(token, key, algorithms=[header["alg"]], audience=audience, issuer=issuer,
                                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired (exp)") from None
        except jwt.InvalidAudienceError:
            raise Unauthorized(f"aud must be {audience} (this service's BONEMET_PUBLIC_URL and the endpoint)") from None
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorized(f"the token lacks the {error.claim} claim") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("the token is not valid yet (iat)") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("the signature does not verify") from None
        except jwt.PyJWTError as error:
            raise Unauthorized(f"invalid token: {type(error).__name__}") from None
        except (ValueError, TypeError):  # a key of another type than alg says (an RSA key for ES384...)
            raise Unauthorized("the key named by kid does not fit the token's alg") from None
        exp, iat = claims["exp"], claims["iat"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (exp, iat)):
            raise Unauthorized("exp and iat must be numbers (seconds since 1970)")
        if exp - iat > self.max_lifetime:
            raise Unauthorized(f"the token lives {int(exp - iat)} s; at most {self.max_lifetime} s are accepted "
                               "(BONEMET_JWT_MAX_LIFETIME)")
        self._remember(issuer, str(claims["jti"]), int(exp))
        return claims

    def _remember(self, issuer: str, jti: str, exp: int) -> None:
        """Record the jti; a store that cannot be written fails closed (no token whose replay cannot be
        checked is accepted)."""
        try:
            first_time = self.store.remember_token(issuer, jti, exp, time.time())
        except StoreUnavailable as error:
            log.error("replay store cannot be written: %r", str(error))
            raise StoreUnavailable(f"the service cannot record the token's jti ({error}), so it cannot refuse a "
                                   "replay: no token is accepted until it can") from None
        if not first_time:
            raise Unauthorized("this jti was already used (replay)")
