"""The CLI around people and models: import a folder through the service's own path, export a
trained model as a model directory that ``celebclf predict`` reads."""

import json
import subprocess
import sys

from tests.service.helpers import REPO


def celebclf(service, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=REPO,
        env=service.env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_import_a_folder_then_export_and_predict_offline(
    owner_client, learning, seed_dir, tmp_path
):
    client = owner_client()
    owner = f"owner{learning.owners_taken - 1}"
    folder = tmp_path / "people"
    (folder / "charles_leclerc").mkdir(parents=True)
    photos = sorted((seed_dir / "charles_leclerc").iterdir())
    for photo in photos[:-2]:
        (folder / "charles_leclerc" / photo.name).symlink_to(photo)
    (folder / "charles_leclerc" / "notes.txt").write_text("not a photo")

    imported = celebclf(
        learning, "people", "import", str(folder), "--owner", owner, "--no-progress"
    )
    assert imported.returncode == 0, imported.stderr
    summary = imported.stdout.strip().splitlines()[-1]
    assert summary.startswith("charles_leclerc: accepted ") and "not_an_image 1" in summary
    person = client.people()["charles_leclerc"]
    assert person["examples"]["accepted"] >= 5 and person["examples"]["queued"] == 0
    again = celebclf(learning, "people", "import", str(folder), "--owner", owner, "--no-progress")
    assert "duplicate" in again.stdout, "the same photos again are duplicates, not new examples"

    model = client.wait_model(client.train()["version"])
    assert model["status"] == "active"
    out = tmp_path / "exported"
    exported = celebclf(learning, "models", "export", model["version"], str(out), "--owner", owner)
    assert exported.returncode == 0, exported.stderr
    assert {p.name for p in out.iterdir()} >= {
        "model.joblib", "class_dictionary.json", "manifest.json", "gallery.npz", "metrics.json"
    }  # fmt: skip
    predicted = celebclf(learning, "predict", "--model", str(out), *map(str, photos[-2:]))
    assert predicted.returncode == 0, predicted.stderr
    answers = [json.loads(line)["answer"] for line in predicted.stdout.splitlines()]
    assert answers.count("charles_leclerc") >= 1, answers
    online = [client.classify(p)["answer"] for p in photos[-2:]]
    assert online == answers, "offline and online answers agree"

    missing = celebclf(learning, "models", "export", "nope", str(tmp_path / "x"), "--owner", owner)
    assert missing.returncode == 2 and "no ready model nope" in missing.stderr
