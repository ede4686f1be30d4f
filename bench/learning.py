"""What learning people costs: a training run's time and peak memory by gallery size, through
the code the workers run (tasks.training_run) on a fresh SQLite database, one process per size
so each size's peak RSS is its own.

Galleries are synthetic (training.synthetic: people as clusters on the unit sphere), fine for
cost; their held-out accuracy only shows the model is sane. Accuracy is measured on real
photos with ``--real``: the shipped people's stored descriptors, fitted by the seed's search
and by the nearest-examples search that runs past training.search.FULL_SEARCH_LIMIT.
``--enrolment``: every photo of ../shared/datasets/seed-celebrities enrolled, ms per example.

Usage: python -m bench.learning [--sizes 10,100,1000,5000,50000] [--real] [--enrolment]
One JSON line per size: descriptors, people, seconds (wall), peak_rss_mib, cpu_seconds (less
inflated by a loaded machine), status, search.
"""

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace

import numpy as np
from sqlalchemy import insert

from config import Settings
from db import examples, model_versions, people
from db.items import Item
from db.migrate import upgrade
from db.models import Example, ExampleStatus, Person, SourceKind, new_id, utcnow
from db.session import unit_of_work
from featurize import get_pipeline
from featurize.opencv import cv2
from inference import default_model_dir, load_model
from inference.gallery import load_gallery
from tasks.enrolment import enrol_example
from tasks.serving import ensure_owner
from tasks.training_run import train_run
from tests.conftest import SEED
from training import search
from training.fit import fit
from training.synthetic import clustered_descriptors

SIZES = (10, 100, 1000, 5000, 10000, 50000)
PER_PERSON = 50  # examples a person at 1,000 descriptors and beyond (1,000 people at 50,000)


def people_for(n: int) -> int:
    """2 people at 10 descriptors, 10 at 100, then n / 50 (as the issue's 1,000 at 50,000)."""
    return max(2, n // PER_PERSON) if n >= 1000 else max(2, n // 10)


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
    started, cpu_started = time.perf_counter(), time.process_time()
    status = train_run(run.id, settings)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    with unit_of_work(settings.database_url) as session:
        row = session.get(model_versions.ModelVersion, run.id)
        report = row.report or {}
        return elapsed, {
            "cpu_seconds": round(cpu, 2),
            "status": status,
            "search": report.get("search"),
            "synthetic_held_out_accuracy": (report.get("held_out") or {}).get("accuracy"),
        }


def one_size(n: int) -> dict:
    """One training run of ``n`` synthetic descriptors, in this process (run as a child)."""
    cv2.setNumThreads(1)
    n_people = people_for(n)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        settings = settings_for(url, folder)
        fill(settings, "bench", *clustered_descriptors(n, n_people, np.random.default_rng(n)))
        seconds, outcome = time_run(settings, "bench")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"descriptors": n, "people": n_people, "seconds": round(seconds, 2),
            "peak_rss_mib": round(peak), **outcome}  # fmt: skip


def real_accuracy() -> list[dict]:
    """Held-out accuracy of both searches on the shipped people's real descriptors."""
    gallery = load_gallery(default_model_dir(), load_model().manifest)
    names = sorted(set(gallery.names))
    y = np.array([names.index(p) for p in gallery.names])
    figures = []
    for limit in (search.FULL_SEARCH_LIMIT, 0):
        search.FULL_SEARCH_LIMIT = limit
        started = time.perf_counter()
        fitted = fit(gallery.vectors, y, names, get_pipeline("dlib"), progress=False)
        figures.append({"real_descriptors": len(y), "people": len(names),
                        "search": fitted.search, "model": fitted.chosen.name,
                        "held_out_accuracy": fitted.held_out["accuracy"],
                        "seconds": round(time.perf_counter() - started, 2)})  # fmt: skip
    return figures


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


def sizes() -> list[int]:
    if "--sizes" not in sys.argv:
        return list(SIZES)
    return [int(v) for v in sys.argv[sys.argv.index("--sizes") + 1].split(",")]


def main() -> None:
    if "--one" in sys.argv:
        print(json.dumps(one_size(int(sys.argv[sys.argv.index("--one") + 1]))), flush=True)
        return
    for n in sizes():  # a fresh process a size: its peak RSS is that size's alone
        subprocess.run([sys.executable, "-m", "bench.learning", "--one", str(n)], check=True)
    if "--real" in sys.argv:
        for line in real_accuracy():
            print(json.dumps(line), flush=True)
    if "--enrolment" in sys.argv and SEED.is_dir():
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.sqlite3"
            upgrade(url)
            ms = enrolment_ms(settings_for(url, folder))
        print(
            f"enrolment, {len(ms)} seed-celebrities photos: median {statistics.median(ms):.0f}"
            f" ms, p95 {np.percentile(ms, 95):.0f} ms per example (decode, detect, describe,"
            " crop, two transactions)"
        )


if __name__ == "__main__":
    main()
