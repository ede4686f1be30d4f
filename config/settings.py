"""Every setting celebclf reads, with its default. README "Configuration" mirrors this list.

Read once per process (``get_settings``); tests build ``Settings.from_env(overrides)``.
"""

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma-separated CIDRs (``127.0.0.0/8,10.0.0.0/8``); raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip())


OWNER_NAME = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


@dataclass(frozen=True)
class ApiKey:
    """A client: the owner name its rows carry, and the SHA-256 (hex) of its secret key."""

    owner: str
    sha256: str


def _api_keys(text: str) -> tuple[ApiKey, ...]:
    """``owner:sha256hex`` entries, comma-separated (``celebclf keys new`` prints one)."""
    keys = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        owner, _, digest = entry.rpartition(":")
        if not OWNER_NAME.fullmatch(owner) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(
                f"CELEBCLF_API_KEYS entry {entry[:20]!r}...: expected owner:<64 hex digits>, "
                "the owner 1-64 letters, digits or . _ @ -"
            )
        keys.append(ApiKey(owner, digest))
    return tuple(keys)


# waits before attempts 2, 3, ...: about 23.7 h in all, so a receiver down for a day still
# gets every event
RETRY_SCHEDULE = "5,30,120,600,1800,3600,7200,14400,28800,28800"


def _seconds(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def _flag(text: str) -> bool:
    if text.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if text.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, not {text!r}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    model_dir: str | None
    max_body_bytes: int
    max_batch_urls: int
    max_batch_files: int
    fetch_allow_private: tuple[Network, ...]
    fetch_timeout_s: float
    fetch_connect_timeout_s: float
    fetch_read_timeout_s: float
    fetch_max_bytes: int
    fetch_max_redirects: int
    task_time_limit_s: int
    max_attempts: int
    requeue_after_s: int
    sweep_interval_s: float
    heartbeat_interval_s: float
    heartbeat_timeout_s: int
    worker_stall_after_s: float
    retention_s: int
    opencv_threads: int
    unknown_threshold: float | None
    queue: str
    training_queue: str
    train_time_limit_s: int
    auto_train_after_s: float
    auto_activate: bool
    pipeline: str | None  # None: the shipped model's (tasks.serving.service_pipeline)
    max_people: int
    max_examples_per_person: int
    cluster_min_size: int
    cluster_eps: float | None  # None: the active model's distance_threshold (db.clusters)
    log_level: str
    api_keys: tuple[ApiKey, ...]
    allow_open: bool
    rate_limit_requests: str
    rate_limit_items: str
    webhook_timeout_s: float
    webhook_retry_schedule_s: tuple[float, ...]
    webhook_progress_interval_s: float
    webhook_secret_overlap_s: float
    idempotency_ttl_s: int
    idempotency_abandoned_s: float
    metrics_dir: Path
    worker_metrics_port: int
    worker_metrics_host: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("CELEBCLF_DATA_DIR", "data")).resolve()

        def get(name: str, default: str) -> str:
            return env.get(f"CELEBCLF_{name}", default)

        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'celebclf.sqlite3'}",
            redis_url=env.get("REDIS_URL") or None,
            model_dir=get("MODEL_DIR", "") or None,
            max_body_bytes=int(get("MAX_BODY_BYTES", str(32 * 1024 * 1024))),
            max_batch_urls=int(get("MAX_BATCH_URLS", "10000")),
            max_batch_files=int(get("MAX_BATCH_FILES", "100")),
            fetch_allow_private=parse_networks(get("FETCH_ALLOW_PRIVATE", "")),
            fetch_timeout_s=float(get("FETCH_TIMEOUT", "20")),
            fetch_connect_timeout_s=float(get("FETCH_CONNECT_TIMEOUT", "5")),
            fetch_read_timeout_s=float(get("FETCH_READ_TIMEOUT", "10")),
            fetch_max_bytes=int(get("FETCH_MAX_BYTES", str(20 * 1024 * 1024))),
            fetch_max_redirects=int(get("FETCH_MAX_REDIRECTS", "3")),
            task_time_limit_s=int(get("TASK_TIME_LIMIT", "120")),
            max_attempts=int(get("MAX_ATTEMPTS", "3")),
            requeue_after_s=int(get("REQUEUE_AFTER", "120")),
            sweep_interval_s=float(get("SWEEP_INTERVAL", "15")),
            heartbeat_interval_s=float(get("HEARTBEAT_INTERVAL", "5")),
            heartbeat_timeout_s=int(get("HEARTBEAT_TIMEOUT", "20")),
            worker_stall_after_s=float(get("WORKER_STALL_AFTER", "45")),
            retention_s=int(get("RETENTION_S", str(30 * 24 * 3600))),
            opencv_threads=int(get("OPENCV_THREADS", "1")),
            unknown_threshold=float(get("UNKNOWN_THRESHOLD", ""))
            if get("UNKNOWN_THRESHOLD", "")
            else None,
            queue=get("QUEUE", "celebclf"),
            training_queue=get("TRAINING_QUEUE", "") or f"{get('QUEUE', 'celebclf')}.training",
            train_time_limit_s=int(get("TRAIN_TIME_LIMIT", "900")),
            auto_train_after_s=float(get("AUTO_TRAIN_AFTER_S", "60")),
            auto_activate=_flag(get("AUTO_ACTIVATE", "true")),
            pipeline=get("PIPELINE", "") or None,
            max_people=int(get("MAX_PEOPLE", "1000")),
            max_examples_per_person=int(get("MAX_EXAMPLES_PER_PERSON", "500")),
            cluster_min_size=int(get("CLUSTER_MIN_SIZE", "3")),
            cluster_eps=float(get("CLUSTER_EPS", "")) if get("CLUSTER_EPS", "") else None,
            log_level=get("LOG_LEVEL", "INFO").upper(),
            api_keys=_api_keys(get("API_KEYS", "")),
            allow_open=_flag(get("ALLOW_OPEN", "false")),
            rate_limit_requests=get("RATE_LIMIT_REQUESTS", "1200/minute"),
            rate_limit_items=get("RATE_LIMIT_ITEMS", "30000/hour"),
            webhook_timeout_s=float(get("WEBHOOK_TIMEOUT", "10")),
            webhook_retry_schedule_s=_seconds(get("WEBHOOK_RETRY_SCHEDULE", RETRY_SCHEDULE)),
            webhook_progress_interval_s=float(get("WEBHOOK_PROGRESS_INTERVAL", "10")),
            webhook_secret_overlap_s=float(get("WEBHOOK_SECRET_OVERLAP", "86400")),
            idempotency_ttl_s=int(get("IDEMPOTENCY_TTL", "86400")),
            idempotency_abandoned_s=float(get("IDEMPOTENCY_ABANDONED", "300")),
            metrics_dir=Path(get("METRICS_DIR", "") or data_dir / "metrics").resolve(),
            worker_metrics_port=int(get("WORKER_METRICS_PORT", "0")),
            worker_metrics_host=get("WORKER_METRICS_HOST", "127.0.0.1"),
        )

    @property
    def stale_running_after_s(self) -> int:
        """A ``running`` job older than this was lost with its worker (limit + margin)."""
        return self.task_time_limit_s + 30

    @property
    def stale_training_after_s(self) -> int:
        """A ``training`` run older than this was lost with its worker (limit + margin)."""
        return self.train_time_limit_s + 30

    @property
    def visibility_timeout_s(self) -> int:
        """Broker redelivery delay for unacknowledged tasks: well above every hard time limit."""
        return max(self.task_time_limit_s, self.train_time_limit_s) * 2 + 60


@cache
def get_settings() -> Settings:
    return Settings.from_env()
