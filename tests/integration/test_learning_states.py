"""Examples, training runs and owners on SQLite and PostgreSQL: seeded once, claimed once,
duplicates refused, runs coalesced, activation only when right."""

import threading
from dataclasses import replace

import numpy as np
import pytest
from sqlalchemy import func, select, update

from config import Settings
from db import examples, model_versions, owners, people
from db.items import Item
from db.migrate import upgrade
from db.models import Example, ModelVersion, Owner, Person
from db.session import unit_of_work
from tasks.serving import ensure_owner, service_pipeline, shipped_model
from tasks.training_run import train_run
from tests.service.helpers import postgres_database, postgres_reachable


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    def made(url: str) -> Settings:
        upgrade(url)
        return replace(Settings.from_env({"DATABASE_URL": url}), auto_train_after_s=60)

    if request.param == "sqlite":
        yield made(f"sqlite:///{tmp_path / 'learning.sqlite3'}")
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    with postgres_database() as url:
        yield made(url)


def race(n: int, work) -> list:
    """``work()`` from ``n`` threads released at once; their results."""
    barrier, results = threading.Barrier(n), []

    def one():
        barrier.wait()
        results.append(work())

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def seeded(settings: Settings, owner: str = "o") -> str:
    with unit_of_work(settings.database_url) as session:
        ensure_owner(session, settings, owner)
    return owner


def test_an_owner_is_seeded_once_even_when_first_seen_by_many_at_once(settings):
    shipped = shipped_model(settings.model_dir)

    def seed():
        with unit_of_work(settings.database_url) as session:
            return owners.ensure_owner(session, "racer", shipped)

    assert sorted(race(4, seed)) == [False, False, False, True]
    with unit_of_work(settings.database_url) as session:
        names = session.scalars(select(Person.name).where(Person.owner == "racer")).all()
        assert sorted(names) == shipped.class_names
        assert session.scalar(select(func.count()).select_from(Example)) == len(shipped.vectors)
        model = session.scalars(select(ModelVersion)).one()
        assert (model.trigger, model.status) == ("shipped", "ready")
        assert session.get(Owner, "racer").active_model_id == model.id


def test_a_new_owners_shipped_examples_are_all_in_the_shipped_model(settings):
    """None of them is "accepted since the model" (the gallery rule's examples): they were
    stamped at the model's snapshot, so a new owner's photos get the shipped model's answer."""
    owner = seeded(settings, "fresh")
    with unit_of_work(settings.database_url) as session:
        active = session.get(Owner, owner).active_model_id
        pipeline = shipped_model(settings.model_dir).manifest["pipeline"]
        assert examples.not_in_model(session, owner, active, pipeline) == []


def new_example(settings: Settings, owner: str, name: str, data: bytes = b"\xff\xd8\xffjpeg"):
    with unit_of_work(settings.database_url) as session:
        person = session.scalars(
            select(Person).where(Person.owner == owner, Person.name == name)
        ).one_or_none() or people.create(session, owner, name, 100)
        _, queued = examples.add(session, person, [Item("upload", data)])
    return queued[0]


def claim(settings: Settings, example_id: str):
    with unit_of_work(settings.database_url) as session:
        return examples.claim(session, example_id, 3, 60)[0]


def test_the_same_photo_twice_is_a_duplicate_of_whoever_has_it(settings):
    owner = seeded(settings)
    first, second = claim(settings, new_example(settings, owner, "a")), None
    second = claim(settings, new_example(settings, owner, "b"))
    assert first.data == b"\xff\xd8\xffjpeg" and claim(settings, first.example_id) is None
    with unit_of_work(settings.database_url) as session:
        assert examples.reserve_digest(session, first, "d" * 64) is None
    with unit_of_work(settings.database_url) as session:
        assert examples.reserve_digest(session, second, "d" * 64) == "a"
        assert examples.reject(session, second, "duplicate", "already a's")
    face = examples.EnrolledFace((1, 2, 3, 4), np.ones(128), b"\xff\xd8\xff", b"\xff\xd8", "dlib")
    with unit_of_work(settings.database_url) as session:
        assert examples.accept(session, first, face)
        assert not examples.accept(session, first, face), "one write per attempt"
    with unit_of_work(settings.database_url) as session:
        row = session.get(Example, first.example_id)
        (described,) = row.descriptors
        assert (row.status, row.w, described.pipeline, len(described.descriptor)) == (
            "accepted",
            3,
            "dlib",
            512,
        )
        assert session.get(Example, second.example_id).sha256 is None, "a reject frees the bytes"
        assert session.get(Owner, owner).changed_at is not None
    shipped_digest = str(shipped_model(settings.model_dir).sha256[0])
    third = claim(settings, new_example(settings, owner, "c"))
    with unit_of_work(settings.database_url) as session:
        holder = examples.reserve_digest(session, third, shipped_digest)
    assert holder in shipped_model(settings.model_dir).class_names, "shipped photos count too"


def test_runs_asked_for_at_once_coalesce_into_one(settings):
    owner = seeded(settings)

    def ask():
        with unit_of_work(settings.database_url) as session:
            run, created = model_versions.request(session, owner, "manual", True)
            return run.id, created

    results = race(4, ask)
    assert len({run_id for run_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_a_run_with_no_examples_at_all_fails_saying_why(settings):
    """Every person deleted (the shipped ones too): the run ends failed with its reason at
    once, rather than raising in the task and waiting to be retried and given up on."""
    owner = seeded(settings)
    with unit_of_work(settings.database_url) as session:
        for person in session.scalars(select(Person).where(Person.owner == owner)).all():
            people.remove(session, person)
        run, _ = model_versions.request(session, owner, "manual", True)
    assert train_run(run.id, settings) == "failed"
    with unit_of_work(settings.database_url) as session:
        failed = session.get(ModelVersion, run.id)
        assert (failed.error_code, failed.attempts) == ("too_few_people", 1)
        assert "0 have enough (left out: none)" in failed.error_message


def ready_run(settings: Settings, owner: str, activate: bool = True) -> str:
    with unit_of_work(settings.database_url) as session:
        run, _ = model_versions.request(session, owner, "manual", activate)
    with unit_of_work(settings.database_url) as session:
        taken = model_versions.claim(session, run.id, 3, 60)[0]
        snapshot = model_versions.snapshot(session, taken, service_pipeline(settings), 2)
    manifest = {"model_sha256": "x", "pipeline": service_pipeline(settings)}
    with unit_of_work(settings.database_url) as session:
        assert model_versions.finish(session, taken, b"m", manifest, {}, snapshot.people)
    return run.id


def activate(settings: Settings, run_id: str) -> str | None:
    with unit_of_work(settings.database_url) as session:
        return model_versions.auto_activate(session, run_id)


def active_id(settings: Settings, owner: str) -> str:
    with unit_of_work(settings.database_url) as session:
        return session.get(Owner, owner).active_model_id


def test_a_ready_run_is_activated_only_when_that_is_right(settings):
    owner = seeded(settings)
    shipped_id = active_id(settings, owner)

    assert "automatic activation is off" in activate(settings, ready_run(settings, owner, False))
    late = ready_run(settings, owner)
    newer = ready_run(settings, owner)
    assert activate(settings, newer) is None and active_id(settings, owner) == newer
    assert "another model was activated" in activate(settings, late)

    doomed = ready_run(settings, owner)
    with unit_of_work(settings.database_url) as session:
        person = session.scalars(select(Person).where(Person.name == "roger_federer")).one()
        people.remove(session, person)
    assert "roger_federer deleted" in activate(settings, doomed)
    assert active_id(settings, owner) == newer != shipped_id


def test_automatic_training_waits_for_quiet_and_for_enrolment(settings):
    owner = seeded(settings)

    def due(quiet_s: float = 0) -> bool:
        with unit_of_work(settings.database_url) as session:
            return owner in model_versions.due_for_training(session, quiet_s)

    assert not due(), "seeding is not a change"
    example_id = new_example(settings, owner, "new")
    assert not due(), "an example is still being enrolled"
    with unit_of_work(settings.database_url) as session:
        session.execute(update(Example).where(Example.id == example_id).values(status="rejected"))
    assert not due(quiet_s=60), "not quiet for long enough yet"
    assert due()
    with unit_of_work(settings.database_url) as session:
        model_versions.request(session, owner, "auto", True)
    assert not due(), "a waiting run will see the change"
    ready_run(settings, owner)
    assert not due(), "a run that read the examples after the change answers it"
