# bonemet-cds under gunicorn, as a non-root user, configured by BONEMET_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY seeds ./seeds
COPY fhir_profiles ./fhir_profiles
RUN pip install . && useradd --system --uid 10001 --home-dir /app bonemet \
    && mkdir -p /app/data && chown bonemet /app/data

USER bonemet
# Listen on every interface inside the container; the port is published by the runtime.
# The service refuses to start so unless the EHR's JWT issuers are configured:
#   docker run -e BONEMET_TRUSTED_ISSUERS='{"https://ehr.example": "https://ehr.example/jwks.json"}' \
#              -e BONEMET_PUBLIC_URL=https://cds.hospital.example -e BONEMET_FHIR_ALLOWED_HOSTS=ehr.example ...
# Feedback and seen JWT ids are kept in BONEMET_FEEDBACK_DB: mount a volume there to keep them.
ENV BONEMET_HOST=0.0.0.0 BONEMET_PORT=8080 BONEMET_WORKERS=2 BONEMET_FEEDBACK_DB=/app/data/bonemet.sqlite3
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['BONEMET_PORT'], timeout=3)"
CMD ["bonemet", "serve"]
