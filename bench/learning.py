"""What learning people costs: a training run's time by gallery size, and an example's
enrolment, both through the code the workers run (tasks.training_run, tasks.enrolment) on a
fresh database.

Galleries of 10, 100, 1,000 and 5,000 descriptors are made of synthetic people drawn like the
real ones: person centres from the spread of the real per-person means, examples from the real
spread around a person's mean (there are only ~300 real faces, of 9 people). Timed: the whole
run (snapshot, search, figures, calibration, refit, store, activate) and its parts.
Enrolment: every photo of ../shared/datasets/seed-celebrities, one worker's share of it
(fetch skipped: uploads), ms per example on one core.

Usage: python -m bench.learning [--sqlite]   (PostgreSQL when reachable; about 10 minutes)
"""

import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import replace

import numpy as np
from sqlalchemy import insert

from config import Settings
from db import examples, model_versions, people
from db.items import Item
from db.migrate import upgrade
from db.models import Example, ExampleStatus, Person, SourceKind, new_id, utcnow
from db.session import unit_of_work
from featurize.opencv import cv2
from inference import default_model_dir, load_model
from inference.gallery import load_gallery
from tasks.enrolment import enrol_example
from tasks.serving import ensure_owner
from tasks.training_run import train_run
from tests.conftest import SEED
from tests.service.helpers import postgres_database, postgres_reachable

SIZES = ((10, 2), (100, 10), (1000, 50), (5000, 100))  # (descriptors, people)


def synthetic_gallery(n: int, n_people: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit-scale 128-d descriptors of ``n_people`` made-up people, shaped like real ones."""
    gallery = load_gallery(default_model_dir(), load_model().manifest)
    names = sorted(set(gallery.names))
    means = np.stack([gallery.vectors[gallery.names == p].mean(axis=0) for p in names])
    residuals = np.concatenate(
        [gallery.vectors[gallery.names == p] - means[i] for i, p in enumerate(names)]
    )
    centres = means.mean(axis=0) + rng.standard_normal((n_people, 128)) * means.std(axis=0)
    labels = np.arange(n) % n_people
    noise = residuals[rng.integers(0, len(residuals), n)]
    return (centres[labels] + noise).astype(np.float32), labels


def settings_for(url: str, folder: str) -> Settings:
    return replace(
        Settings.from_env({"DATABASE_URL": url, "CELEBCLF_DATA_DIR": folder}),
        auto_train_after_s=0,
    )


def fill(settings: Settings, owner: str, vectors: np.ndarray, labels: np.ndarray) -> None:
    """An owner whose only people are the synthetic ones (the shipped people removed)."""
    now = utcnow()
    with unit_of_work(settings.database_url) as session:
        ensure_owner(session, settings, owner)
    with unit_of_work(settings.database_url) as session:
        for person in session.query(Person).filter(Person.owner == owner):
            people.remove(session, person)
        ids = [new_id() for _ in range(labels.max() + 1)]
        session.execute(
            insert(Person),
            [{"id": i, "owner": owner, "name": f"p{k}", "created_at": now, "updated_at": now}
             for k, i in enumerate(ids)],
        )  # fmt: skip
        session.execute(
            insert(Example),
            [
                {
                    "id": new_id(), "person_id": ids[label], "owner": owner,
                    "source": SourceKind.shipped, "status": ExampleStatus.accepted,
                    "attempts": 0, "pipeline": "dlib", "descriptor": vector.tobytes(),
                    "created_at": now, "updated_at": now,
                }
                for vector, label in zip(vectors, labels, strict=True)
            ],
        )  # fmt: skip


def time_run(settings: Settings, owner: str) -> tuple[float, dict]:
    with unit_of_work(settings.database_url) as session:
        run, _ = model_versions.request(session, owner, "manual", True)
    started = time.perf_counter()
    status = train_run(run.id, settings)
    elapsed = time.perf_counter() - started
    with unit_of_work(settings.database_url) as session:
        row = session.get(model_versions.ModelVersion, run.id)
        return elapsed, {"status": status, "accuracy": row.report["held_out"]["accuracy"]}


def enrolment_ms(settings: Settings) -> list[float]:
    owner = "bench-enrol"
    photos = sorted(p for p in SEED.rglob("*") if p.is_file())
    with unit_of_work(settings.database_url) as session:
        ensure_owner(session, settings, owner)
        person = people.create(session, owner, "someone", 10)
        items = [Item("upload", p.read_bytes(), filename=p.name) for p in photos]
        _, ids = examples.add(session, person, items)
    ms = []
    for example_id in ids:
        started = time.perf_counter()
        enrol_example(example_id, settings)
        ms.append((time.perf_counter() - started) * 1000)
    return ms


def main() -> None:
    cv2.setNumThreads(1)
    use_postgres = postgres_reachable() and "--sqlite" not in sys.argv
    rng = np.random.default_rng(0)
    with (
        tempfile.TemporaryDirectory() as folder,
        postgres_database() if use_postgres else nullcontext() as pg_url,
    ):
        url = pg_url or f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        settings = settings_for(url, folder)
        print(f"database: {'PostgreSQL' if use_postgres else 'SQLite'}; one process, one core")
        print(f"{'descriptors':>11} {'people':>6} {'run s':>8} {'held-out acc':>12}  status")
        for n, n_people in SIZES:
            owner = f"bench-{n}"
            fill(settings, owner, *synthetic_gallery(n, n_people, rng))
            seconds, outcome = time_run(settings, owner)
            print(f"{n:>11} {n_people:>6} {seconds:>8.2f} {outcome['accuracy']:>12.3f}  "
                  f"{outcome['status']}")  # fmt: skip
        if SEED.is_dir():
            ms = enrolment_ms(settings)
            print(
                f"enrolment, {len(ms)} seed-celebrities photos: median {statistics.median(ms):.0f}"
                f" ms, p95 {np.percentile(ms, 95):.0f} ms per example (decode, detect, describe,"
                " crop, two transactions)"
            )


if __name__ == "__main__":
    main()
