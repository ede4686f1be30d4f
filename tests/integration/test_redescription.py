"""A new service pipeline keeps every owner's people, on SQLite and PostgreSQL: examples
enrolled on dlib (as the service wrote them before the switch) are described again by sface,
a run of sface trains on them, the dlib model answers until that run may replace it, and an
example in whose crop no face is found is left out and says so."""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import insert, select

from api import create_app
from api.learning.serializers import serialize_example
from config import Settings
from db import descriptors, model_versions, people
from db.models import Example, ExampleDescriptor, ExampleStatus, ModelVersion, Person, utcnow
from db.session import unit_of_work
from featurize import get_pipeline
from featurize.decode import encode_jpeg
from tasks.enrolment import CROP_SIDE
from tasks.serving import predictor_for, service_pipeline
from tasks.training_run import train_run
from tests.integration.test_learning_states import seeded
from training.cleaning import KEPT, judge

PEOPLE = ("alexandra_daddario", "charles_leclerc")
DLIB_MODEL = str(Path(__file__).resolve().parents[2] / "models" / "dlib-2026-12-03")
PER_PERSON = 4


@dataclass(frozen=True)
class OldExample:
    """An example as the dlib-era service stored it: box, dlib descriptor, 160 px tight crop."""

    sha256: str
    box: tuple[int, int, int, int]
    descriptor: np.ndarray
    crop: bytes


@pytest.fixture(scope="module")
def dlib_examples(seed_dir: Path) -> dict[str, list[OldExample]]:
    import hashlib

    dlib, made = get_pipeline("dlib"), {}
    for name in PEOPLE:
        made[name] = []
        for path in sorted((seed_dir / name).iterdir()):
            data = path.read_bytes()
            judged = judge(data, dlib)
            if judged.reason != KEPT:
                continue
            box = judged.box
            made[name].append(
                OldExample(
                    hashlib.sha256(data).hexdigest(),
                    (box.x, box.y, box.w, box.h),
                    judged.vector,
                    encode_jpeg(judged.crop, CROP_SIDE),
                )
            )
            if len(made[name]) == PER_PERSON:
                break
    return made


def _store(session, owner: str, person_id: str, example: OldExample) -> str:
    example_id, now = f"{person_id[:30]}-{example.sha256[:5]}", utcnow()
    x, y, w, h = example.box
    session.execute(
        insert(Example),
        [
            {
                "id": example_id,
                "person_id": person_id,
                "owner": owner,
                "source": "upload",
                "sha256": example.sha256,
                "status": ExampleStatus.accepted,
                "attempts": 1,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "crop": example.crop,
                "created_at": now,
                "updated_at": now,
                "finished_at": now,
            }
        ],
    )
    session.execute(
        insert(ExampleDescriptor), [descriptors.row(example_id, "dlib", example.descriptor)]
    )
    return example_id


def _run(settings: Settings, owner: str) -> ModelVersion:
    with unit_of_work(settings.database_url) as session:
        assert descriptors.owners_lacking(session, service_pipeline(settings)) == [owner]
        run, _ = model_versions.request(session, owner, "pipeline", True)
    assert train_run(run.id, settings) == "ready"
    with unit_of_work(settings.database_url) as session:
        assert descriptors.owners_lacking(session, service_pipeline(settings)) == []
        return session.get(ModelVersion, run.id)


def _answering(settings: Settings, owner: str) -> str:
    with unit_of_work(settings.database_url) as session:
        return predictor_for(session, settings, owner).bundle.pipeline.name


def test_dlib_examples_are_described_again_and_the_old_model_answers_until_the_new_one_may(
    db_url, dlib_examples
):
    settings = Settings.from_env({"DATABASE_URL": db_url, "CELEBCLF_MODEL_DIR": DLIB_MODEL})
    owner = seeded(settings)
    dlib_era = settings
    assert _answering(dlib_era, owner) == "dlib"
    faceless = OldExample(
        "f" * 64,
        (0, 0, 160, 160),
        np.ones(128),
        encode_jpeg(np.full((160, 160, 3), 128, np.uint8), CROP_SIDE),
    )
    with unit_of_work(settings.database_url) as session:
        made = {name: people.create(session, owner, name, 100) for name in PEOPLE}
        ids = {
            name: [_store(session, owner, made[name].id, e) for e in dlib_examples[name]]
            for name in PEOPLE
        }
        lost = _store(session, owner, made[PEOPLE[0]].id, faceless)
    with unit_of_work(settings.database_url) as session:
        assert descriptors.owners_lacking(session, "dlib") == [], "nothing to do before a switch"

    switched = replace(settings, pipeline="sface")
    first = _run(switched, owner)
    assert first.manifest["pipeline"] == "sface"
    assert [p["name"] for p in first.people] == list(PEOPLE)
    assert [p["examples"] for p in first.people] == [len(ids[n]) for n in PEOPLE]
    assert "activate it by hand" in first.note and "maria_sharapova" in first.note
    assert _answering(switched, owner) == "dlib", "the shipped people must not be lost unasked"

    with (
        unit_of_work(settings.database_url) as session,
        create_app(settings).test_request_context(),
    ):
        rows = {
            e.id: serialize_example(e)
            for e in session.scalars(
                select(Example).where(Example.owner == owner, Example.source == "upload")
            )
        }
    described = [d for i in ids[PEOPLE[0]] + ids[PEOPLE[1]] for d in rows[i]["descriptors"]]
    assert {(d["pipeline"], d["status"]) for d in described} == {
        ("dlib", "described"),
        ("sface", "described"),
    }
    assert rows[lost]["status"] == "accepted"
    assert rows[lost]["descriptors"][1] == {
        "pipeline": "sface",
        "status": "not_described",
        "reason": {
            "code": "not_described",
            "message": "the new face finder found no face in the stored crop; add this photo again",
        },
    }

    with unit_of_work(settings.database_url) as session:
        shipped = session.scalars(
            select(Person).where(Person.owner == owner, Person.shipped_name.isnot(None))
        ).all()
        for person in shipped:
            people.remove(session, person)
        run, _ = model_versions.request(session, owner, "manual", True)
    assert train_run(run.id, switched) == "ready"
    with unit_of_work(settings.database_url) as session:
        assert session.get(ModelVersion, run.id).note is None
    assert _answering(switched, owner) == "sface"


def test_a_release_shipping_an_sface_model_moves_every_owner_to_it(db_url, dlib_examples):
    """The real upgrade: an owner seeded by the dlib release, with people of their own, on the
    next release (whose shipped model is sface): their examples and the shipped people's are
    described by sface (the shipped ones from the new gallery), and the sface run that names
    everyone replaces the dlib model by itself."""
    dlib_era = Settings.from_env({"DATABASE_URL": db_url, "CELEBCLF_MODEL_DIR": DLIB_MODEL})
    owner = seeded(dlib_era)
    with unit_of_work(dlib_era.database_url) as session:
        made = {name: people.create(session, owner, name, 100) for name in PEOPLE}
        for name in PEOPLE:
            for example in dlib_examples[name]:
                _store(session, owner, made[name].id, example)
    assert _answering(dlib_era, owner) == "dlib"

    released = replace(dlib_era, model_dir=None)
    assert service_pipeline(released) == "sface"
    with unit_of_work(released.database_url) as session:
        assert descriptors.owners_lacking(session, "sface") == [owner]
        run, _ = model_versions.request(session, owner, "pipeline", True)
    assert train_run(run.id, released) == "ready"
    with unit_of_work(released.database_url) as session:
        done = session.get(ModelVersion, run.id)
        assert done.note is None, done.note
        assert len(done.people) == 5 + len(PEOPLE), "nobody is lost on the way"
    assert _answering(released, owner) == "sface"
