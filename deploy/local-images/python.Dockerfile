# Stand-in for python:3.11-slim: Debian's Python 3.11 (with its headers, as the official image
# has them) in a venv that is first on PATH, so `python`, `pip` and installed commands behave
# as in the official image.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv python3-dev passwd \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/python \
    && printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf
ENV PATH=/opt/python/bin:$PATH \
    LANG=C.UTF-8
CMD ["python3"]
