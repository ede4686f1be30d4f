import json
import shutil

import pytest

from inference import ModelError, default_model_dir, load_model
from inference.artifacts import MANIFEST, MODEL_FILE, sha256_bytes


@pytest.fixture
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(default_model_dir(), target)
    return target


def test_shipped_model_loads_and_matches_its_digest():
    model_dir = default_model_dir()
    bundle = load_model(model_dir)
    assert sha256_bytes((model_dir / MODEL_FILE).read_bytes()) == bundle.manifest["model_sha256"]
    manifest = bundle.manifest
    assert bundle.version == f"{manifest['pipeline']}-{manifest['model_sha256'][:12]}"
    assert bundle.classes == sorted(bundle.class_dictionary)
    assert len(bundle.classes) == 5
    assert 0 <= manifest["unknown_threshold"] < 1
    assert manifest["pipeline"] == "sface"
    assert 0 < manifest["distance_threshold"] <= bundle.pipeline.gate_prior
    assert manifest["quality_gate"] == bundle.pipeline.nameable.as_dict()


def test_the_dlib_model_of_the_last_release_still_loads_and_names():
    """Models trained on another pipeline keep working: the manifest names the pipeline."""
    folder = default_model_dir().parent / "dlib-2026-12-03"
    bundle = load_model(folder)
    assert bundle.pipeline.name == "dlib" and bundle.manifest["distance_threshold"] == 0.56


def test_tampered_model_file_is_refused_before_unpickling(model_copy):
    with (model_copy / MODEL_FILE).open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match=r"does not match the manifest"):
        load_model(model_copy)


def test_tampered_class_map_is_refused(model_copy):
    path = model_copy / "class_dictionary.json"
    classes = json.loads(path.read_text())
    path.write_text(json.dumps(dict(reversed(list(classes.items())))))
    with pytest.raises(ModelError, match=r"class_dictionary\.json"):
        load_model(model_copy)


def test_model_from_another_scikit_learn_is_refused(model_copy):
    manifest = json.loads((model_copy / MANIFEST).read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2"):
        load_model(model_copy)


@pytest.mark.parametrize("content", ["{not json", "[]", '{"format_version": 1}'])
def test_broken_manifest_is_refused(model_copy, content):
    (model_copy / MANIFEST).write_text(content)
    with pytest.raises(ModelError):
        load_model(model_copy)


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(ModelError, match=r"no manifest\.json"):
        load_model(tmp_path / "absent")
