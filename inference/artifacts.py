"""A model's artifacts: joblib model + class map + a manifest that vouches for both.

``joblib.load`` of crafted bytes runs arbitrary code, so nothing is unpickled before the
bytes' SHA-256 matches the digest the training recorded, and a model written by another
scikit-learn version is refused rather than silently mis-predicting. The same checks guard a
model directory (``celebclf train``) and a model stored in the database (training runs).
"""

import hashlib
import io
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
    """The model is missing, incomplete, tampered with or incompatible."""


@dataclass(frozen=True)
class ModelBundle:
    estimator: Any
    class_dictionary: dict[str, int]
    manifest: dict[str, Any]
    pipeline: Pipeline
    person_ids: tuple[str | None, ...] = ()  # per class index, for models of stored people

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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "pywavelets": pywt.__version__,
        "joblib": joblib.__version__,
    }


def dump_estimator(estimator: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer, compress=3)
    return buffer.getvalue()


def class_map_text(class_dictionary: dict[str, int]) -> str:
    return json.dumps(class_dictionary, indent=2) + "\n"


def build_manifest(
    model_bytes: bytes, class_dictionary: dict[str, int], extra: dict[str, Any]
) -> dict[str, Any]:
    """Digests of the model and class map, library versions and ``extra`` settings."""
    model_sha = sha256_bytes(model_bytes)
    return {
        "format_version": FORMAT_VERSION,
        "model_version": extra.pop("model_version", None)
        or f"{extra['pipeline']}-{model_sha[:12]}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_file": MODEL_FILE,
        "model_sha256": model_sha,
        "class_dictionary_file": CLASS_FILE,
        "class_dictionary_sha256": sha256_bytes(class_map_text(class_dictionary).encode()),
        "versions": library_versions(),
        **extra,
    }


def write_model_dir(
    out_dir: Path, model_bytes: bytes, class_dictionary: dict[str, int], manifest: dict[str, Any]
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MODEL_FILE).write_bytes(model_bytes)
    (out_dir / CLASS_FILE).write_text(class_map_text(class_dictionary))
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def save_model(
    out_dir: Path, estimator: Any, class_dictionary: dict[str, int], extra: dict[str, Any]
) -> dict[str, Any]:
    """Write model, class map and manifest (digests, versions, ``extra`` settings)."""
    model_bytes = dump_estimator(estimator)
    manifest = build_manifest(model_bytes, class_dictionary, dict(extra))
    write_model_dir(out_dir, model_bytes, class_dictionary, manifest)
    return manifest


def check_manifest(manifest: Any, where: str) -> dict[str, Any]:
    """A celebclf manifest this code can load, or ModelError saying what is wrong."""
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
        raise ModelError(f"{where} lacks {missing}: not a celebclf model manifest")
    if manifest["format_version"] != FORMAT_VERSION:
        raise ModelError(f"{where}: manifest format {manifest['format_version']} is not supported")
    written_by = manifest["versions"].get("scikit-learn")
    if written_by != sklearn.__version__:
        raise ModelError(
            f"{where} was written by scikit-learn {written_by}, this is {sklearn.__version__}: "
            "retrain it"
        )
    return manifest


def _verify(data: bytes, expected: str, what: str) -> None:
    actual = sha256_bytes(data)
    if actual != expected:
        raise ModelError(
            f"refusing to load {what}: its SHA-256 {actual[:16]}… does not match the manifest's "
            f"{str(expected)[:16]}… (it was modified or replaced; retrain or restore it)"
        )


def load_model_bytes(
    model_bytes: bytes,
    manifest: dict[str, Any],
    class_dictionary: dict[str, int],
    person_ids: tuple[str | None, ...] = (),
    where: str = "the model",
) -> ModelBundle:
    """Verify (digest first, then versions and classes) and unpickle a model."""
    check_manifest(manifest, where)
    _verify(model_bytes, manifest["model_sha256"], where)
    try:
        pipeline = get_pipeline(manifest["pipeline"])
    except ValueError as exc:
        raise ModelError(str(exc)) from exc
    estimator = joblib.load(io.BytesIO(model_bytes))
    if sorted(int(c) for c in estimator.classes_) != sorted(class_dictionary.values()):
        raise ModelError(f"{where}: the model's classes do not match its class map")
    return ModelBundle(estimator, class_dictionary, manifest, pipeline, person_ids)


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise ModelError(f"model artifact missing: {path}")
    return path.read_bytes()


def load_model(model_dir: Path | None = None) -> ModelBundle:
    """Verify and load a model directory; ModelError says exactly what is wrong."""
    model_dir = Path(model_dir or default_model_dir())
    path = model_dir / MANIFEST
    if not path.is_file():
        raise ModelError(f"no {MANIFEST} in model directory {model_dir}")
    try:
        manifest = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc
    check_manifest(manifest, str(path))
    class_text = _read(model_dir / CLASS_FILE)
    _verify(class_text, manifest["class_dictionary_sha256"], str(model_dir / CLASS_FILE))
    model_bytes = _read(model_dir / MODEL_FILE)
    return load_model_bytes(
        model_bytes, manifest, json.loads(class_text), where=f"model in {model_dir}"
    )
