"""The model directory: joblib model + class map + a manifest that vouches for both.

``joblib.load`` of a crafted file runs arbitrary code, so nothing is unpickled before the
file's SHA-256 matches the digest the training command recorded, and a model written by
another scikit-learn version is refused rather than silently mis-predicting.
"""

import hashlib
import json
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pywt
import sklearn

from featurize import Pipeline, get_pipeline
from featurize.opencv import cv2

MANIFEST = "manifest.json"
MODEL_FILE = "model.joblib"
CLASS_FILE = "class_dictionary.json"
FORMAT_VERSION = 1


class ModelError(RuntimeError):
    """The model directory is missing, incomplete, tampered with or incompatible."""


@dataclass(frozen=True)
class ModelBundle:
    estimator: Any
    class_dictionary: dict[str, int]
    manifest: dict[str, Any]
    pipeline: Pipeline

    @property
    def version(self) -> str:
        return str(self.manifest["model_version"])

    @property
    def classes(self) -> list[str]:
        """Class names in index order (index = the estimator's numeric label)."""
        return sorted(self.class_dictionary, key=self.class_dictionary.__getitem__)


def default_model_dir() -> Path:
    """``CELEBCLF_MODEL_DIR`` if set, else the model shipped in the repository."""
    configured = os.environ.get("CELEBCLF_MODEL_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[1] / "models" / "default"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "pywavelets": pywt.__version__,
        "joblib": joblib.__version__,
    }


def save_model(
    out_dir: Path, estimator: Any, class_dictionary: dict[str, int], extra: dict[str, Any]
) -> dict[str, Any]:
    """Write model, class map and manifest (digests, versions, ``extra`` settings)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(estimator, out_dir / MODEL_FILE, compress=3)
    (out_dir / CLASS_FILE).write_text(json.dumps(class_dictionary, indent=2) + "\n")
    model_sha = sha256_file(out_dir / MODEL_FILE)
    manifest = {
        "format_version": FORMAT_VERSION,
        "model_version": f"{extra['pipeline']}-{model_sha[:12]}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "model_sha256": model_sha,
        "class_dictionary_file": CLASS_FILE,
        "class_dictionary_sha256": sha256_file(out_dir / CLASS_FILE),
        "versions": library_versions(),
        **extra,
    }
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _read_manifest(model_dir: Path) -> dict[str, Any]:
    path = model_dir / MANIFEST
    if not path.is_file():
        raise ModelError(f"no {MANIFEST} in model directory {model_dir}")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc
    required = (
        "format_version",
        "model_version",
        "model_sha256",
        "class_dictionary_sha256",
        "pipeline",
        "unknown_threshold",
        "versions",
    )
    missing = [key for key in required if not isinstance(manifest, dict) or key not in manifest]
    if missing:
        raise ModelError(f"{path} lacks {missing}: not a celebclf model manifest")
    if manifest["format_version"] != FORMAT_VERSION:
        raise ModelError(f"{path}: manifest format {manifest['format_version']} is not supported")
    return manifest


def _verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelError(f"model artifact missing: {path}")
    actual = sha256_file(path)
    if actual != expected:
        raise ModelError(
            f"refusing to load {path}: its SHA-256 {actual[:16]}… does not match the manifest's "
            f"{str(expected)[:16]}… (the file was modified or replaced; retrain or restore it)"
        )


def load_model(model_dir: Path | None = None) -> ModelBundle:
    """Verify and load a model directory; ModelError says exactly what is wrong."""
    model_dir = Path(model_dir or default_model_dir())
    manifest = _read_manifest(model_dir)
    written_by = manifest["versions"].get("scikit-learn")
    if written_by != sklearn.__version__:
        raise ModelError(
            f"model in {model_dir} was written by scikit-learn {written_by}, this is "
            f"{sklearn.__version__}: retrain it with `celebclf train`"
        )
    _verify(model_dir / CLASS_FILE, manifest["class_dictionary_sha256"])
    _verify(model_dir / MODEL_FILE, manifest["model_sha256"])
    class_dictionary = json.loads((model_dir / CLASS_FILE).read_text())
    try:
        pipeline = get_pipeline(manifest["pipeline"])
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    estimator = joblib.load(model_dir / MODEL_FILE)
    if sorted(int(c) for c in estimator.classes_) != sorted(class_dictionary.values()):
        raise ModelError(f"{model_dir}: the model's classes do not match {CLASS_FILE}")
    return ModelBundle(estimator, class_dictionary, manifest, pipeline)
