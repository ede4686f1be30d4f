"""`celebclf split` and `celebclf evaluate` as a user runs them."""

import json

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
