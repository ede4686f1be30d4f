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
