"""Print a CDS Hooks JWT signed by the sample issuer, for trying the service with its JWTs checked.

    .venv/bin/python examples/sample-issuer/make_jwt.py [AUDIENCE]

AUDIENCE is the endpoint's URL under the service's BONEMET_PUBLIC_URL: by default
http://127.0.0.1:8080/cds-services/bonemet-patient-view, as `bonemet serve` listens by default; for compose.yaml
(BONEMET_PUBLIC_URL http://localhost:8080), http://localhost:8080/cds-services/bonemet-patient-view.
It needs PyJWT, in the project's .venv (plain python says "No module named 'jwt'").

The key pair in this folder is public: it is for the demo only, never for real patients' data. A real
deployment trusts its EHR's own JWKS (BONEMET_TRUSTED_ISSUERS).
"""

import sys
import time
import uuid
from pathlib import Path

import jwt

ISSUER = "https://sample-ehr.example"
HERE = Path(__file__).resolve().parent


def make(audience: str, lifetime: int = 300) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": audience, "exp": now + lifetime, "iat": now, "jti": str(uuid.uuid4())}
    return jwt.encode(claims, (HERE / "private-key.pem").read_text(), algorithm="RS384",
                      headers={"kid": "sample-ehr-1", "typ": "JWT"})


if __name__ == "__main__":
    print(make(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080/cds-services/bonemet-patient-view"))
