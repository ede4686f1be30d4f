# One image for every celebclf service; api, worker, sweeper and migrate differ only by command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENCV_IO_MAX_IMAGE_PIXELS=40000000 \
    CELEBCLF_MAX_IMAGE_PIXELS=40000000 \
    CELEBCLF_DATA_DIR=/data \
    CELEBCLF_MODEL_DIR=/app/models/default

RUN apt-get update \
    && apt-get install -y --no-install-recommends libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin celebclf \
    && mkdir -p /data && chown celebclf:celebclf /data

WORKDIR /app
# Dependencies first, from the lock, so code changes do not reinstall them.
COPY constraints.txt pyproject.toml README.md ./
COPY api ./api
COPY cli ./cli
COPY config ./config
COPY db ./db
COPY featurize ./featurize
COPY fetch ./fetch
COPY inference ./inference
COPY tasks ./tasks
COPY training ./training
RUN pip install -c constraints.txt '.[monitoring]'

# The default model, baked in read-only (its SHA-256 is checked at every start).
COPY --chmod=0444 models/default ./models/default

USER celebclf
EXPOSE 8000
CMD ["celebclf", "api", "--host", "0.0.0.0", "--port", "8000"]
