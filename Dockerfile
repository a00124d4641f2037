# bonemet-cds under gunicorn, as a non-root user, configured by BONEMET_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
# Exact versions, checked by their hashes (requirements.lock), then the service itself without resolving again.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY service ./service
COPY seeds ./seeds
COPY fhir_profiles ./fhir_profiles
COPY examples ./examples
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --uid 10001 --home-dir /app bonemet \
    && mkdir -p /app/data && chown 10001 /app/data

USER 10001
# Listen on every interface inside the container; the port is published by the runtime.
# The service refuses to start so unless the EHR's JWT issuers are configured, or the demo mode is asked
# for explicitly (BONEMET_DEMO=1, trusted networks only, said loudly in the log). compose.yaml shows both.
# Feedback, seen JWT ids and kept assessments are in BONEMET_FEEDBACK_DB: mount a volume there to keep them.
ENV BONEMET_HOST=0.0.0.0 BONEMET_PORT=8080 BONEMET_WORKERS=2 BONEMET_FEEDBACK_DB=/app/data/bonemet.sqlite3
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/ready' % os.environ['BONEMET_PORT'], timeout=3)"]
CMD ["bonemet", "serve"]
