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
