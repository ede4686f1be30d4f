"""Fixtures of the integration tests that talk to a database directly."""

import pytest

from db.migrate import upgrade
from tests.service.fixtures import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind, migrated to the newest schema."""
    with fresh_database(request.param, tmp_path) as url:
        upgrade(url)
        yield url
