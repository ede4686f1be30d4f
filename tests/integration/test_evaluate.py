"""`celebclf split` and `celebclf evaluate` as a user runs them."""

import csv
import json
from pathlib import Path

from cli.main import main
from training.split import split_photos


def test_split_is_stratified_deterministic_and_complete(sports_dir, tmp_path):
    first = split_photos(sports_dir, 0.25, seed=0)
    again = split_photos(sports_dir, 0.25, seed=0)
    other = split_photos(sports_dir, 0.25, seed=1)
    assert [p.path for p in first["test"]] == [p.path for p in again["test"]]
    assert {p.path for p in first["test"]} != {p.path for p in other["test"]}
    assert len(first["train"]) + len(first["test"]) == 272
    assert not {p.path for p in first["train"]} & {p.path for p in first["test"]}
    for person in {p.person for p in first["test"]}:
        total = sum(1 for p in first["train"] + first["test"] if p.person == person)
        in_test = sum(1 for p in first["test"] if p.person == person)
        assert abs(in_test - total * 0.25) <= 1
    assert main(["split", "--data", str(sports_dir), "--out", str(tmp_path)]) == 0
    assert sum(1 for _ in (tmp_path / "test").rglob("*") if _.is_symlink()) == len(first["test"])


def test_evaluate_reports_every_figure(sports_dir, seed_dir, tmp_path, capsys):
    data = tmp_path / "data"
    for person in sorted(p.name for p in sports_dir.iterdir()):
        (data / person).mkdir(parents=True)
        for photo in sorted((sports_dir / person).iterdir())[:3]:
            (data / person / photo.name).symlink_to(photo)
    strangers = tmp_path / "strangers"
    strangers.mkdir()
    for person in ("lisa_vicari", "lionel_messi"):
        (strangers / person).symlink_to(seed_dir / person)
    out = tmp_path / "report.json"
    assert (
        main(
            [
                "evaluate",
                "--data",
                str(data),
                "--strangers",
                str(strangers),
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    report = json.loads(out.read_text())
    assert report == json.loads(capsys.readouterr().out)
    assert report["photos"] == 15
    assert 0 < report["coverage"] <= 1 and 0 <= report["end_to_end_accuracy"] <= 1
    assert set(report["per_person"]) == {p.name for p in sports_dir.iterdir()}
    assert report["strangers"]["stranger_faces"] > 0
    assert report["strangers"]["strangers_unknown"] >= 0.9
    assert report["strangers"]["known_named_right"] >= 0.9


def test_evaluate_counts_every_face_against_the_labels(sports_dir, tmp_path, capsys):
    """Face by face on labelled multi-face photos: known faces, bystanders, wrong names."""
    labels = Path(__file__).resolve().parents[2] / "labels" / "sports-celebrities-faces.csv"
    with labels.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    data = tmp_path / "data"
    for folder in sorted({r["folder"] for r in rows}):
        (data / folder).mkdir(parents=True)
        for name in sorted({r["file"] for r in rows if r["folder"] == folder})[:2]:
            (data / folder / name).symlink_to(sports_dir / folder / name)
    argv = ["evaluate", "--data", str(data), "--face-labels", str(labels), "--no-progress"]
    assert main(argv) == 0
    faces = json.loads(capsys.readouterr().out)["per_face"]
    assert faces["photos"] == 10
    assert faces["known faces"] >= 8 and faces["bystander faces"] >= 5, faces
    assert faces["known faces named right"] >= 0.7 and faces["name precision"] >= 0.9, faces
    assert faces["bystanders named"] <= 0.2, faces
    assert set(faces["unknown_reasons"]) <= {
        "unclear",
        "not_close_enough",
        "named_elsewhere_in_photo",
    }
