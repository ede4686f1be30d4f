"""The metrics pieces worth testing alone: a service's fresh directory, and the exposition of
counters only other code moves (webhook deliveries)."""

import os
import subprocess

from prometheus_client.parser import text_string_to_metric_families

from metrics.directory import fresh_directory
from metrics.events import record_webhook_delivery
from metrics.exposition import render


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid  # reaped: no process has it until the kernel hands it out again


def test_a_service_starts_empty_and_leaves_live_services_alone(tmp_path):
    gone, live = tmp_path / f"worker-{dead_pid()}", tmp_path / f"api-{os.getppid()}"
    for folder in (gone, live):
        folder.mkdir()
        (folder / "counter_1.db").write_bytes(b"x")
    own = tmp_path / f"api-{os.getpid()}"  # a predecessor with this pid left its counts
    own.mkdir()
    (own / "counter_7.db").write_bytes(b"x")
    (tmp_path / "notes").mkdir()

    path = fresh_directory(tmp_path, "api", os.getpid())

    assert path == own and list(path.iterdir()) == []
    assert not gone.exists()
    assert (live / "counter_1.db").exists() and (tmp_path / "notes").exists()


def webhook_count(outcome: str) -> float:
    body, content_type = render()
    assert content_type.startswith("text/plain; version=0.0.4")
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            name, labels = sample.name, sample.labels
            if name == "celebclf_webhook_deliveries_total" and labels == {"outcome": outcome}:
                return sample.value
    return 0.0


def test_webhook_deliveries_are_counted_by_outcome():
    before = webhook_count("delivered"), webhook_count("failed")
    record_webhook_delivery("delivered")
    record_webhook_delivery("delivered")
    record_webhook_delivery("failed")
    assert (webhook_count("delivered"), webhook_count("failed")) == (before[0] + 2, before[1] + 1)
