"""Migrations: one head, and an upgraded empty database matches the models exactly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.migrate import alembic_config, upgrade
from db.models import Base
from db.session import get_engine
from tests.service.helpers import postgres_database, postgres_reachable


def test_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def _assert_matches_models(url: str) -> None:
    upgrade(url)
    with get_engine(url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_on_empty_sqlite_matches_models(tmp_path):
    _assert_matches_models(f"sqlite:///{tmp_path / 'm.sqlite3'}")


def test_upgrade_on_empty_postgresql_matches_models():
    import pytest

    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    with postgres_database() as url:
        _assert_matches_models(url)


def test_0010_moves_each_accepted_descriptor_to_its_pipeline(db_url):
    """Examples as 0006 left them keep their descriptor, now a row of their pipeline."""
    from alembic import command
    from sqlalchemy import text

    from db.migrate import alembic_config

    command.downgrade(alembic_config(db_url), "0006")
    now = "2026-01-01 00:00:00"
    with get_engine(db_url).begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (id, owner, name, created_at, updated_at) "
                "VALUES ('p', 'o', 'ann', :now, :now)"
            ),
            {"now": now},
        )
        for example_id, status, descriptor in (
            ("a", "accepted", b"\x00" * 512),
            ("q", "queued", None),
            ("r", "rejected", None),
        ):
            connection.execute(
                text(
                    "INSERT INTO examples (id, person_id, owner, source, status, attempts, "
                    "pipeline, descriptor, crop, created_at, updated_at, finished_at) VALUES "
                    "(:id, 'p', 'o', 'upload', :status, 1, :pipeline, :descriptor, :crop, :now, "
                    ":now, :now)"
                ),
                {
                    "id": example_id,
                    "status": status,
                    "pipeline": "dlib" if descriptor else None,
                    "descriptor": descriptor,
                    "crop": b"\xff\xd8" if descriptor else None,
                    "now": now,
                },
            )
        connection.execute(text("INSERT INTO example_payloads VALUES ('q', :data)"), {"data": b"x"})
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        rows = connection.execute(
            text("SELECT example_id, pipeline, descriptor, error_code FROM example_descriptors")
        ).all()
        assert [(r[0], r[1], bytes(r[2]), r[3]) for r in rows] == [
            ("a", "dlib", b"\x00" * 512, None)
        ]
        payloads = connection.execute(text("SELECT example_id FROM example_payloads")).all()
        assert payloads == [("q",)], "a queued example keeps its photo"
    command.downgrade(alembic_config(db_url), "0006")
    with get_engine(db_url).connect() as connection:
        back = connection.execute(text("SELECT id, pipeline, descriptor FROM examples ORDER BY id"))
        assert [(r[0], r[1], r[2] and bytes(r[2])) for r in back] == [
            ("a", "dlib", b"\x00" * 512),
            ("q", None, None),
            ("r", None, None),
        ]
