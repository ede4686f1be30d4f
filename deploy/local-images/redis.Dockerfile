# Stand-in for redis:7-alpine: Debian's Redis 7, run as `redis` in /data. The official image
# is built with protected mode off (clients come from the compose network); so is this one.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends redis-server \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o redis -g redis /data \
    && printf '#!/bin/sh\nexec /usr/bin/redis-server "$@" --protected-mode no\n' \
        > /usr/local/bin/redis-server \
    && chmod 0755 /usr/local/bin/redis-server
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server"]
