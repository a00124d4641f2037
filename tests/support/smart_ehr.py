"""A stand-in EHR for SMART App Launch tests: an authorization server (authorization code with PKCE
S256, checked) and a FHIR server (reads with the bearer token, transactions stored), served over real
HTTP on a free port by werkzeug in a thread. It holds one patient, from an example bundle."""

import base64
import hashlib
import json
import secrets
import threading
import uuid
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from werkzeug.serving import make_server


class StandInEhr:
    def __init__(self, resources, client_id="bonemet", patient_id="example"):
        self.resources = resources
        self.client_id = client_id
        self.patient_id = patient_id
        self.codes = {}  # code -> (challenge, redirect_uri)
        self.tokens = set()
        self.stored = []  # transactions received
        self.token_changes = {}  # what a test changes in the token answer (None: left out)
        self.fhir_requests = []  # every path asked of the FHIR server, as it arrived
        self.app = self._app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.fhir = f"{self.base}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()

    def _authorized(self):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.tokens:
            abort(401)

    def _app(self):
        app = Flask("stand-in-ehr")

        @app.before_request
        def record():
            if not request.path.startswith("/auth"):  # the FHIR server, and any path beside it
                self.fhir_requests.append(request.full_path.rstrip("?"))

        @app.get("/fhir/.well-known/smart-configuration")
        def configuration():
            return jsonify(authorization_endpoint=f"{self.base}/auth/authorize",
                           token_endpoint=f"{self.base}/auth/token", code_challenge_methods_supported=["S256"],
                           capabilities=["launch-ehr", "client-public", "context-ehr-patient"])

        @app.get("/auth/authorize")
        def authorize():
            asked = request.args
            if (asked.get("client_id") != self.client_id or asked.get("aud") != self.fhir
                    or asked.get("code_challenge_method") != "S256" or not asked.get("launch")
                    or "patient/Observation.read" not in asked.get("scope", "")):
                abort(400)
            code = secrets.token_urlsafe(8)
            self.codes[code] = (asked["code_challenge"], asked["redirect_uri"])
            return redirect(f"{asked['redirect_uri']}?{urlencode({'code': code, 'state': asked['state']})}")

        @app.post("/auth/token")
        def token():
            form = request.form
            challenge, redirect_uri = self.codes.pop(form.get("code"), (None, None))
            verifier = form.get("code_verifier", "")
            expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if challenge is None or expected != challenge or form.get("redirect_uri") != redirect_uri:
                return jsonify(error="invalid_grant"), 400
            access = secrets.token_urlsafe(16)
            self.tokens.add(access)
            answer = dict(access_token=access, token_type="Bearer", expires_in=300, scope=form.get("scope", ""),
                          patient=self.patient_id)
            answer.update(self.token_changes)
            return jsonify({key: value for key, value in answer.items() if value is not None})

        @app.get("/fhir/Patient/<pid>")
        def read_patient(pid):
            self._authorized()
            return jsonify(next(r for r in self.resources if r["resourceType"] == "Patient" and r["id"] == pid))

        @app.get("/fhir/<kind>")
        def search(kind):
            self._authorized()
            found = [r for r in self.resources if r["resourceType"] == kind
                     and r.get("subject", {}).get("reference") == f"Patient/{request.args.get('patient')}"]
            return jsonify(resourceType="Bundle", type="searchset", entry=[{"resource": r} for r in found])

        @app.post("/fhir")
        def transaction():
            self._authorized()
            bundle = json.loads(request.get_data())
            self.stored.append(bundle)
            return jsonify(resourceType="Bundle", id=str(uuid.uuid4()), type="transaction-response",
                           entry=[{"response": {"status": "201 Created"}} for _ in bundle["entry"]])

        return app
