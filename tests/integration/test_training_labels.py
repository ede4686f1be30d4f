"""What faces labelled by eye teach a training run (celebclf train --face-labels), on the real
Kohli photos and the committed labels: a photo with several faces gives one example (its
largest face labelled as the photo's own person), bystanders become negatives, and a one-face
photo whose clear face is someone else's teaches nothing."""

import csv
import json
from pathlib import Path

import pytest

from cli.main import main
from featurize import get_pipeline
from training.cleaning import clean
from training.dataset import Photo
from training.per_face import identity_of, labelled_elsewhere, labelled_faces, load_face_labels

LABELS = Path(__file__).resolve().parents[2] / "labels" / "sports-celebrities-faces.csv"
KOHLI = "virat_kohli"
TEAMMATE_ONLY = "030be9ad4d0b.jpg"  # a small copy of a selfie: its one clear face is Shami's
PIPELINE = get_pipeline("sface")


@pytest.fixture(scope="module")
def labels():
    return load_face_labels(LABELS)


@pytest.fixture(scope="module")
def kohli_photos(sports_dir) -> list[Photo]:
    """The labelled photos of Kohli's folder (photos with several faces)."""
    with LABELS.open(newline="") as handle:
        files = {r["file"] for r in csv.DictReader(handle) if r["folder"] == KOHLI}
    photos = [Photo(sports_dir / KOHLI / name, KOHLI) for name in sorted(files)]
    if not all(p.path.exists() for p in photos):
        pytest.skip("the labelled Kohli photos are not all in ../shared")
    return photos


def test_a_one_face_photo_of_a_teammate_teaches_nothing(sports_dir, labels):
    samples, _ = clean([Photo(sports_dir / KOHLI / TEAMMATE_ONLY, KOHLI)], PIPELINE, False)
    assert len(samples) == 1, "the cleaning keeps it: its one clear face"
    assert labelled_elsewhere(samples[0], labels), "the labels say that face is not Kohli"


def test_labelled_faces_of_crowded_photos_become_examples_and_negatives(kohli_photos, labels):
    known = {KOHLI, "serena_williams", "maria_sharapova", "roger_federer", "lionel_messi"}
    taught = labelled_faces(kohli_photos, PIPELINE, labels, known, kept=set())
    assert len(taught.examples) >= 10, "Kohli's faces in his crowded photos are learned"
    assert len({e.sha256 for e in taught.examples}) == len(taught.examples), "one a photo"
    for example in taught.examples:
        identity = identity_of(example.box, labels[example.sha256], "")
        assert identity == example.photo.person and identity in known
        assert example.crop.size and example.vector.shape == (PIPELINE.dim,)
    assert len(taught.bystanders) >= 20
    assert len(taught.bystander_photos) == len(taught.bystanders)
    learned = {example.sha256 for example in taught.examples}
    again = labelled_faces(kohli_photos, PIPELINE, labels, known, learned)
    assert again.examples == [], "a photo the cleaning already learns from adds no example"


def test_training_with_labels_learns_them_and_reports_the_teammate(sports_dir, tmp_path):
    """celebclf train --face-labels on Kohli's labelled photos and a few of Sharapova's."""
    data = tmp_path / "data"
    with LABELS.open(newline="") as handle:
        labelled = {r["file"] for r in csv.DictReader(handle) if r["folder"] == KOHLI}
    for person, files in (
        (KOHLI, sorted(labelled | {p.name for p in sorted((sports_dir / KOHLI).iterdir())[:12]})),
        (
            "maria_sharapova",
            [p.name for p in sorted((sports_dir / "maria_sharapova").iterdir())[:12]],
        ),
    ):
        (data / person).mkdir(parents=True)
        for name in files:
            (data / person / name).symlink_to(sports_dir / person / name)
    out = tmp_path / "model"
    argv = ["train", "--data", str(data), "--out", str(out), "--face-labels", str(LABELS)]
    assert main([*argv, "--no-progress"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["training"]["labelled_examples"] >= 10
    with (out / "cleaning_report.csv").open(newline="") as handle:
        report = {r["file"]: r for r in csv.DictReader(handle)}
    assert (report[TEAMMATE_ONLY]["kept"], report[TEAMMATE_ONLY]["reason"]) == (
        "False",
        "labelled_someone_else",
    )
