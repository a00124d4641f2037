"""Print a CDS Hooks JWT signed by the sample issuer, for trying the service as compose.yaml runs it.

    python examples/sample-issuer/make_jwt.py http://localhost:8080/cds-services/bonemet-patient-view

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
    print(make(sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080/cds-services/bonemet-patient-view"))
