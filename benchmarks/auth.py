"""Cost of authenticating one CDS Hooks request (JWT check and jti replay record), beside its floor.

    .venv/bin/python benchmarks/auth.py [--tokens 2000]

Verifies fresh ES384 tokens with the service's JwtVerifier against a local JWKS file, with the
SQLite store in write-ahead-log mode (what the service sets) and in the default rollback-journal
mode, interleaved, and prints the median and p99 per request beside the floor: PyJWT's signature
and claims check alone, without the replay record.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from service.store.sqlite import SqliteStore
from service.web.security import JwtVerifier

ISSUER, AUDIENCE = "https://ehr.example.org", "http://127.0.0.1:8080/cds-services/bonemet-patient-view"


def token(private) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())},
                      private, algorithm="ES384", headers={"kid": "k1"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public.update(kid="k1", alg="ES384", use="sig")
    with tempfile.TemporaryDirectory() as folder:
        jwks = Path(folder) / "jwks.json"
        jwks.write_text(json.dumps({"keys": [public]}))
        verifiers = {}
        for mode in ("wal", "delete"):
            path = str(Path(folder) / f"{mode}.sqlite3")
            store = SqliteStore(path)
            store.migrate()  # the service's store sets WAL
            connection = sqlite3.connect(path)
            if mode == "delete":  # the rollback journal, for comparison
                connection.execute("PRAGMA journal_mode=DELETE")
            verifiers[mode] = JwtVerifier({ISSUER: str(jwks)}, store)
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == mode
            connection.close()
        key = jwt.PyJWKSet.from_dict({"keys": [public]}).keys[0].key
        times: dict[str, list[float]] = {"floor (PyJWT only)": [], "wal": [], "delete": []}
        for _ in range(args.tokens):
            for name in times:
                bearer = token(private)
                start = time.perf_counter()
                if name.startswith("floor"):
                    jwt.decode(bearer, key, algorithms=["ES384"], audience=AUDIENCE, issuer=ISSUER)
                else:
                    verifiers[name].verify(f"Bearer {bearer}", AUDIENCE)
                times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        values.sort()
        label = {"wal": "service, SQLite WAL", "delete": "service, SQLite rollback journal"}.get(name, name)
        print(f"{label:34s} median {statistics.median(values) * 1000:6.3f} ms  "
              f"p99 {values[int(len(values) * 0.99)] * 1000:6.3f} ms")


if __name__ == "__main__":
    main()
