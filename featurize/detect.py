"""Haar-cascade face and eye detection, as in the seed, with boxes in original coordinates."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from featurize.opencv import cv2
from featurize.per_thread import per_thread
from featurize.results import Box, Detection, clip


@dataclass(frozen=True)
class DetectorConfig:
    """How faces are found. The defaults are the seed's (1.3, 5, two eyes).

    ``max_detect_side`` downscales the photo for the face search only (None: full resolution,
    as the seed); ``max_eye_side`` caps the face region searched for eyes. Both trade little
    accuracy for a lot of speed on large photos: see docs/model-report.md. ``min_face_side``
    skips the search for faces smaller than that in the searched copy, the costliest part of
    the pyramid: on the sports photos no face with two eyes was that small (the smallest
    measured 52 px) and the search took a third less time (docs/performance.md).
    """

    face_cascade: str = "haarcascade_frontalface_default.xml"
    eye_cascade: str = "haarcascade_eye.xml"
    scale_factor: float = 1.3
    min_neighbors: int = 5
    min_eyes: int = 2
    max_detect_side: int | None = 800
    max_eye_side: int | None = 300
    min_face_side: int = 48


def _build_cascade(name: str) -> "cv2.CascadeClassifier":
    path = Path(cv2.data.haarcascades) / name
    cascade = cv2.CascadeClassifier(str(path))
    if cascade.empty():
        raise FileNotFoundError(f"OpenCV Haar cascade not found or unreadable: {path}")
    return cascade


def load_cascade(name: str) -> "cv2.CascadeClassifier":
    """The named cascade shipped with OpenCV, built once per thread."""
    return per_thread(f"cascade:{name}", lambda: _build_cascade(name))


def shrink(image: np.ndarray, max_side: int | None) -> tuple[np.ndarray, float]:
    """Downscale so the longest side is at most max_side; return the image and the factor."""
    longest = max(image.shape[:2])
    if max_side is None or longest <= max_side:
        return image, 1.0
    factor = max_side / longest
    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def scale_box(raw, factor: float, dx: int = 0, dy: int = 0) -> Box:
    """An (x, y, w, h) found on an image scaled by ``factor``, in original pixels."""
    x, y, w, h = (round(float(v) / factor) for v in raw)
    return Box(x + dx, y + dy, w, h)


def _find_eyes(gray: np.ndarray, face: Box, config: DetectorConfig) -> tuple[Box, ...]:
    region, factor = shrink(
        gray[face.y : face.y + face.h, face.x : face.x + face.w], config.max_eye_side
    )
    eyes = load_cascade(config.eye_cascade).detectMultiScale(region)
    return tuple(scale_box(e, factor, face.x, face.y) for e in eyes)


def detect_faces(image: np.ndarray, config: DetectorConfig) -> list[Detection]:
    """Every face the face cascade finds in a BGR image, each with its eyes, largest first."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small, factor = shrink(gray, config.max_detect_side)
    raw = load_cascade(config.face_cascade).detectMultiScale(
        small,
        config.scale_factor,
        config.min_neighbors,
        minSize=(config.min_face_side, config.min_face_side),
    )
    boxes = [clip(scale_box(r, factor), *gray.shape[:2]) for r in raw]
    boxes = [b for b in boxes if b.w > 0 and b.h > 0]
    boxes.sort(key=lambda b: b.w * b.h, reverse=True)
    return [Detection(box, _find_eyes(gray, box, config)) for box in boxes]
