# bonemet-cds under gunicorn, as a non-root user, configured by BONEMET_* variables.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY seeds ./seeds
COPY fhir_profiles ./fhir_profiles
RUN pip install . && useradd --system --uid 10001 --home-dir /app bonemet

USER bonemet
# Listen on every interface inside the container; the port is published by the runtime.
ENV BONEMET_HOST=0.0.0.0 BONEMET_PORT=8080 BONEMET_WORKERS=2
EXPOSE 8080
CMD ["bonemet", "serve"]
