"""A worker given a tampered model or manifest refuses to start, and says why."""

import json
import shutil
import subprocess
import sys

import pytest

from inference.artifacts import default_model_dir
from tests.service.fixtures import service_env, sqlite_url
from tests.service.helpers import REPO, tamper_model


def tamper_manifest(folder) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["model_sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("tamper", "says"), [(tamper_model, "does not match"), (tamper_manifest, "does not match")]
)
def test_worker_refuses_a_tampered_model(tamper, says, redis_url, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    tamper(model)
    env = service_env(sqlite_url(tmp_path), redis_url, tmp_path, CELEBCLF_MODEL_DIR=str(model))
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "worker", "--concurrency", "1"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "the model cannot be used" in result.stderr and says in result.stderr
    assert "ready." not in result.stderr + result.stdout
