"""``celebclf predict`` as a user runs it, and the shipped model's behaviour on real photos."""

import json
import subprocess
import sys

import numpy as np

from inference import Predictor, load_model
from tests.conftest import encode


def run_predict(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "predict", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_predict_prints_one_json_line_per_path(kept_photos, tmp_path, noise_image):
    photo, person = kept_photos[0]
    blank = tmp_path / "blank.png"
    blank.write_bytes(encode(noise_image, ".png"))
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not really a jpeg")
    result = run_predict(str(photo), str(blank), str(junk), str(tmp_path / "missing.jpg"))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [
        str(photo),
        str(blank),
        str(junk),
        str(tmp_path / "missing.jpg"),
    ]
    face = lines[0]["faces"][0]
    assert set(face) == {
        "box",
        "label",
        "score",
        "distance",
        "reason",
        "quality",
        "rule",
        "probabilities",
    }
    assert face["reason"] is None, "a named face has no reason"
    assert set(face["box"]) == {"x", "y", "w", "h"}
    assert face["label"] == person and lines[0]["answer"] == person
    assert 0 <= face["distance"] <= load_model().manifest["distance_threshold"]
    assert lines[0]["error"] is None
    assert lines[1] == {"path": str(blank), "faces": [], "answer": None, "error": None}
    assert lines[2]["error"]["code"] == "not_an_image"
    assert lines[3]["error"]["code"] == "unreadable_file"


def test_predict_with_a_broken_model_dir_fails_clearly(tmp_path):
    result = run_predict("--model", str(tmp_path), "x.jpg")
    assert result.returncode == 2
    assert "manifest.json" in result.stderr


def test_shipped_model_names_its_training_faces(kept_photos):
    """The shipped model was refit on these crops: nearly all must keep their name."""
    predictor = Predictor(load_model(), unknown_threshold=0.0)
    right = sum(
        predictor.predict_bytes(path.read_bytes()).faces[0].label == person
        for path, person in kept_photos
    )
    assert right / len(kept_photos) >= 0.95


def test_low_confidence_is_unknown(kept_photos):
    path, _ = kept_photos[0]
    assert (
        Predictor(load_model(), unknown_threshold=1.01)
        .predict_bytes(path.read_bytes())
        .faces[0]
        .label
        == "unknown"
    )


def test_gif_and_webp_photos_are_classified_like_the_jpeg(kept_photos):
    from featurize import decode_image

    path, person = kept_photos[3]
    image = decode_image(path.read_bytes())
    predictor = Predictor(load_model(), unknown_threshold=0.0)
    webp = predictor.predict_bytes(encode(image, ".webp")).faces
    assert webp and webp[0].label == person
    assert np.isfinite(webp[0].score)
