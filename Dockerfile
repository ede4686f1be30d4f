# One image for every celebclf service; api, worker, sweeper and migrate differ only by command.
# PYTHON_IMAGE: the base, official by default; deploy/local-images/build makes a stand-in for
# machines that reach no registry.
ARG PYTHON_IMAGE=python:3.11-slim
# Where the fast dlib wheel comes from: the stages below build it, or DLIB_WHEEL_IMAGE names an
# image that holds only a wheel this machine already built (CI, with the same script).
ARG DLIB_WHEEL_IMAGE=dlib-wheel

# dlib from source with BLAS (OpenBLAS) and AVX2, no fused multiply-add (so HOG finds the boxes
# PyPI's dlib-bin finds), without GUI or CUDA, by the same
# scripts/build-dlib-wheel that CI uses (the why of every flag is there): the 128-d descriptor
# runs ~5x faster than dlib-bin's. Needs an AVX2 CPU where the image runs. About 10 minutes on
# 2 cores, once per machine: the script's wheelhouse is a BuildKit cache mount, and its wheel
# names the release and the flags, so changing either builds anew.
FROM ${PYTHON_IMAGE} AS dlib-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends g++ make libopenblas-dev \
    && rm -rf /var/lib/apt/lists/*
COPY constraints.txt /src/
COPY scripts/build-dlib-wheel /src/scripts/
RUN --mount=type=cache,id=celebclf-dlib-wheels,target=/root/.cache/celebclf \
    wheel=$(/src/scripts/build-dlib-wheel python) && mkdir /wheels && cp "$wheel" /wheels/

# The wheel alone, at the root. With `--build-arg DLIB_WHEEL_IMAGE=<image>` the build takes that
# image instead and never runs the stages above (tests/compose: `docker import` of the folder
# the script printed).
FROM scratch AS dlib-wheel
COPY --from=dlib-build /wheels/ /
FROM ${DLIB_WHEEL_IMAGE} AS dlib-wheels

FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OPENBLAS_NUM_THREADS=1 \
    OPENCV_IO_MAX_IMAGE_PIXELS=40000000 \
    CELEBCLF_MAX_IMAGE_PIXELS=40000000 \
    CELEBCLF_DATA_DIR=/data \
    CELEBCLF_MODEL_DIR=/app/models/default

# The OpenBLAS runtime only (no compiler); libglib for OpenCV; libpng and libjpeg, which a dlib
# wheel built where their -dev packages were installed links (CI's: DLIB_WHEEL_IMAGE).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libglib2.0-0 libopenblas0-pthread \
       libpng16-16 libjpeg62-turbo \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin celebclf \
    && mkdir -p /data && chown celebclf:celebclf /data

WORKDIR /app
# Dependencies first, from the lock and pyproject's lists only, so neither a code change nor a
# README change reinstalls them. The dlib built above is dlib-bin with a local version: it
# satisfies the lock's dlib-bin pin and pip prefers it. pip's cache is a BuildKit cache mount.
COPY constraints.txt pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,from=dlib-wheels,target=/wheels \
    python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + p['optional-dependencies']['monitoring']))" > requirements.txt \
    && pip install -c constraints.txt --find-links /wheels -r requirements.txt \
    && rm requirements.txt \
    && python -c "import dlib; assert dlib.DLIB_USE_BLAS, 'dlib was built without BLAS'"
COPY README.md ./
COPY api ./api
COPY bodies ./bodies
COPY cli ./cli
COPY config ./config
COPY db ./db
COPY featurize ./featurize
COPY fetch ./fetch
COPY inference ./inference
COPY metrics ./metrics
COPY tasks ./tasks
COPY training ./training
COPY webhooks ./webhooks
RUN --mount=type=cache,target=/root/.cache/pip pip install --no-deps -c constraints.txt .

# The default model, baked in read-only (its SHA-256 is checked at every start).
COPY --chmod=0444 models/default ./models/default

USER celebclf
EXPOSE 8000
CMD ["celebclf", "api", "--host", "0.0.0.0", "--port", "8000"]
