"""Fixtures of the integration tests that talk to a database directly."""

import pytest

from db.migrate import upgrade
from tests.service.helpers import postgres_database, postgres_reachable


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind, migrated to the newest schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'celebclf.sqlite3'}"
        upgrade(url)
        yield url
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (set CELEBCLF_TEST_POSTGRES_URL)")
    with postgres_database() as url:
        upgrade(url)
        yield url
