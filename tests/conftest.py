"""Shared fixtures: the real photo datasets from ../shared, and generated images."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from featurize.opencv import cv2

pytest_plugins = ["tests.service.fixtures"]

REPO = Path(__file__).resolve().parents[1]
DATASETS = REPO.parent / "shared" / "datasets"
SPORTS = DATASETS / "sports-celebrities"
SEED = DATASETS / "seed-celebrities"


def _require(path: Path) -> Path:
    if not path.is_dir():
        pytest.skip(f"real photos not available: {path} is absent (they live in ../shared)")
    return path


@pytest.fixture(scope="session")
def sports_dir() -> Path:
    return _require(SPORTS)


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return _require(SEED)


@pytest.fixture(scope="session")
def kept_photos(sports_dir: Path) -> list[tuple[Path, str]]:
    """(path, person) of the photos the shipped model kept for training, from its report."""
    import csv

    with (REPO / "models" / "default" / "cleaning_report.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["kept"] == "True"]
    return [(sports_dir / r["person"] / r["file"], r["person"]) for r in rows]


@pytest.fixture(scope="session")
def one_face_kept_photos(kept_photos):
    """The kept photos in which the shipped model's pipeline finds exactly one face: the fault
    tests count one face per item (a kept photo may also show faces too small or blurred to
    learn from, a crowd behind the person)."""
    from featurize import decode_image
    from inference import load_model

    pipeline = load_model().pipeline
    return [
        (path, person)
        for path, person in kept_photos
        if len(pipeline.analyze(decode_image(path.read_bytes())).faces) == 1
    ]


def encode(image: np.ndarray, ext: str) -> bytes:
    ok, buffer = cv2.imencode(ext, image)
    assert ok, ext
    return buffer.tobytes()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG of 74 bytes that declares ``width`` x ``height`` pixels: the
    decoder must refuse it before allocating."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture
def noise_image() -> np.ndarray:
    """A 120x160 colour image with no face in it."""
    return np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)


def side_by_side(left: np.ndarray, right: np.ndarray, height: int = 400) -> np.ndarray:
    """Two BGR images scaled to one height and placed next to each other."""
    scaled = [
        cv2.resize(image, (round(image.shape[1] * height / image.shape[0]), height))
        for image in (left, right)
    ]
    return np.hstack(scaled)


def known_beside_a_surer_stranger(predictor, kept_photos, seed_dir) -> tuple[bytes, str]:
    """A JPEG of a known person beside a stranger whose face scores higher but is unknown,
    checked with ``predictor``; returns (bytes, the known person's name)."""
    from featurize import decode_image

    strangers = []
    for person in ("alexandra_daddario", "charles_leclerc", "lisa_vicari", "max_verstappen"):
        for path in sorted((seed_dir / person).iterdir()):
            faces = predictor.predict_bytes(path.read_bytes()).faces
            if len(faces) == 1 and not faces[0].named:
                strangers.append((faces[0].score, path))
    score, stranger = max(strangers)
    for path, person in kept_photos:
        photo = side_by_side(decode_image(path.read_bytes()), decode_image(stranger.read_bytes()))
        data = encode(photo, ".jpg")
        faces = predictor.predict_bytes(data).faces
        named = [f for f in faces if f.named]
        unknown = [f for f in faces if not f.named]
        surer = unknown and max(f.score for f in unknown) > named[0].score if named else False
        if len(named) == 1 and named[0].label == person and surer:
            return data, person
    raise AssertionError(f"no known photo scores under the stranger's {score}")


LOG_TAIL_LINES = 40


def _services_of(item: pytest.Item) -> list:
    """The running services a test used, directly or through a client's ``service``."""
    from tests.service.helpers import Service

    found = []
    for value in getattr(item, "funcargs", {}).values():
        service = value if isinstance(value, Service) else getattr(value, "service", None)
        if isinstance(service, Service) and service not in found:
            found.append(service)
    return found


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed service test shows the last lines of its processes' logs: in CI they are the
    only trace of what the worker or sweeper did."""
    report = yield
    if report.failed and call.when == "call":
        for service in _services_of(item):
            for log in sorted(service.log_dir.glob("*.log")):
                lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                report.sections.append((f"{log.name}, last lines", "\n".join(lines)))
    return report


# ``pytest -n 2``: two lanes, each whole on one xdist worker. The session's shared services
# (one per database, the keyed one, the people-and-models one) are used only under tests/e2e
# and tests/service, so they start once, in that lane; the other lane takes what starts its
# own processes or none (compose, faults, integration, unit), the compose package on one
# Docker engine. Each service under test has its own processes, queue and database.
SHARED_SERVICES_LANE = ("tests/e2e/", "tests/service/")


def lane_of(nodeid: str) -> str:
    return "shared-services" if nodeid.startswith(SHARED_SERVICES_LANE) else "own-processes"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Lanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return lane_of(nodeid)

    return Lanes(config, log)
