"""Train on a small real subset end to end, through the same CLI a user runs."""

import json

import pytest

from cli.main import main
from inference import Predictor, load_model

PEOPLE = ("maria_sharapova", "serena_williams", "virat_kohli")


@pytest.fixture(scope="module")
def subset(sports_dir, tmp_path_factory):
    """The first 24 photos of three people, linked (never copied into the repository)."""
    root = tmp_path_factory.mktemp("subset")
    for person in PEOPLE:
        (root / person).mkdir()
        for photo in sorted((sports_dir / person).iterdir())[:24]:
            (root / person / photo.name).symlink_to(photo)
    return root


@pytest.fixture(scope="module")
def trained(subset, tmp_path_factory):
    out = tmp_path_factory.mktemp("model")
    crops = tmp_path_factory.mktemp("crops")
    assert (
        main(
            [
                "train",
                "--data",
                str(subset),
                "--out",
                str(out),
                "--save-crops",
                str(crops),
                "--seed",
                "3",
                "--no-progress",
            ]
        )
        == 0
    )
    return out, crops


def test_training_writes_every_artifact(trained):
    out, crops = trained
    for name in (
        "model.joblib",
        "class_dictionary.json",
        "metrics.json",
        "manifest.json",
        "confusion_matrix.png",
        "cleaning_report.csv",
        "model_table.txt",
    ):
        assert (out / name).stat().st_size > 0, name
    assert json.loads((out / "class_dictionary.json").read_text()) == {
        p: i for i, p in enumerate(PEOPLE)
    }
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["counts"]["photos"] == 72
    kept = metrics["counts"]["kept"]
    assert kept + sum(metrics["counts"]["rejected"].values()) == 72
    assert sum(1 for _ in crops.rglob("*.png")) == kept
    names = [m["model"] for m in metrics["models"]]
    assert names == ["svm", "random_forest", "logistic_regression"]
    assert metrics["chosen"]["model"] == "svm"
    assert len(metrics["held_out"]["confusion_matrix"]["matrix"]) == 3
    assert set(metrics["held_out"]["per_class"]) == set(PEOPLE)


def test_report_lists_every_photo_with_a_reason(trained):
    rows = (trained[0] / "cleaning_report.csv").read_text().splitlines()
    assert len(rows) == 73
    reasons = {row.split(",")[4] for row in rows[1:]}
    known = {"kept", "no_face", "no_two_eyes", "several_faces", "unclear_face", "duplicate"}
    assert reasons <= known
    assert "kept" in reasons and "no_face" in reasons


def test_same_seed_gives_the_same_model(subset, trained, tmp_path):
    assert (
        main(
            ["train", "--data", str(subset), "--out", str(tmp_path), "--seed", "3", "--no-progress"]
        )
        == 0
    )
    first = json.loads((trained[0] / "manifest.json").read_text())
    again = json.loads((tmp_path / "manifest.json").read_text())
    assert first["model_sha256"] == again["model_sha256"]


def test_trained_model_predicts_probabilities_over_its_classes(trained, subset):
    predictor = Predictor(load_model(trained[0]))
    photo = next(
        p
        for p in sorted((subset / "virat_kohli").iterdir())
        if predictor.predict_bytes(p.read_bytes()).faces
    )
    face = predictor.predict_bytes(photo.read_bytes()).faces[0]
    assert set(face.probabilities) == set(PEOPLE)
    assert sum(face.probabilities.values()) == pytest.approx(1, abs=1e-3)
    assert face.score == max(face.probabilities.values())


def test_duplicates_are_dropped(subset):
    from featurize import get_pipeline
    from training.cleaning import clean
    from training.dataset import list_photos

    photos = list_photos(subset)[:5]
    _, verdicts = clean(photos + photos[:2], get_pipeline("seed"), progress=False)
    assert [v.reason for v in verdicts[-2:]] == ["duplicate", "duplicate"]


def test_too_few_photos_is_a_clear_error(sports_dir, tmp_path, capsys):
    data = tmp_path / "data"
    for person in PEOPLE[:2]:
        (data / person).mkdir(parents=True)
        for photo in sorted((sports_dir / person).iterdir())[:2]:
            (data / person / photo.name).symlink_to(photo)
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--no-progress"]) == 2
    assert "too few usable photos" in capsys.readouterr().err
