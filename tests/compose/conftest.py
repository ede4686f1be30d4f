"""The engine and the stack, once for all compose tests (package scope: both stop when the
last compose test is done, before the rest of the suite runs)."""

import os

import pytest

from tests.compose.engine import docker_engine, network_state, unavailable
from tests.compose.stack import Stack, base_images, build_app_image


@pytest.fixture(scope="package")
def host_network_before() -> dict[str, str]:
    """The host's network state before any engine of ours ran."""
    if reason := unavailable():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the compose tests: {reason}")
        pytest.skip(reason)
    return network_state()


@pytest.fixture(scope="package")
def engine(host_network_before, tmp_path_factory):
    """A Docker engine; once a private one has stopped, the host's network state is as before."""
    with docker_engine(tmp_path_factory.mktemp("docker") / "dockerd.log") as running:
        yield running
    if running.process is not None:
        assert network_state() == host_network_before, "the engine changed the host's network"


@pytest.fixture(scope="package")
def images(engine):
    """The base images, and the app image built on them (TEST_IMAGE)."""
    found = base_images(engine)
    build_app_image(engine, found["PYTHON_IMAGE"])
    return found


@pytest.fixture(scope="package")
def stack(engine, images, sports_dir, tmp_path_factory):
    """The whole stack up and healthy; ``down -v`` afterwards must leave nothing behind."""
    running = Stack(engine, images, sports_dir, tmp_path_factory.mktemp("compose-logs"))
    try:
        running.up()
        yield running
    finally:
        running.down()
    assert not running.leftovers(), running.leftovers()


@pytest.fixture(scope="session")
def kept_photos(one_face_kept_photos):
    """The fault tests here count one face per item, as tests/faults does."""
    return one_face_kept_photos
