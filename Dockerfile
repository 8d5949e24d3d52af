# TikTok-Berater: the bot (and, with another command, the Chroma server it can use).
# Minimal on purpose: the tested path is `make run` / `make test`; this image runs the same
# commands with the same settings (see README "Production" and docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HF_HUB_OFFLINE=1 DATA_DIR=/data KNOWLEDGE_DIR=/app/knowledge
WORKDIR /app

# CPU torch first, so nothing pulls the multi-GB CUDA build.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md ./
COPY bot/ bot/
RUN pip install .
COPY ingest.py ./
COPY knowledge/ knowledge/

RUN useradd --create-home berater && mkdir /data && chown berater /data
USER berater
VOLUME ["/data"]
EXPOSE 8443

# Builds the index on first start (embedded store in /data, or the Chroma server when
# CHROMA_HOST is set), then serves Telegram: polling, or a webhook when WEBHOOK_URL is set.
CMD ["sh", "-c", "python ingest.py --if-missing --quiet && exec python -m bot run"]
