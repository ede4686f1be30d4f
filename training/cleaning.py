"""The seed's manual data cleaning, automated: one face with two eyes per photo, or a reason.

Rejection reasons: ``duplicate`` (same bytes as an earlier photo), an image error code
(``not_an_image``, ``corrupt_image``, ...), ``no_face``, ``no_two_eyes``, ``several_faces``.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from featurize import Box, ImageError, Pipeline, analyze, decode_image
from training.dataset import Photo


@dataclass(frozen=True)
class Sample:
    """A kept photo: its one usable face, the crop (for inspection) and its feature vector."""

    photo: Photo
    sha256: str
    box: Box
    crop: np.ndarray
    vector: np.ndarray


@dataclass(frozen=True)
class Verdict:
    """One row of the cleaning report."""

    photo: Photo
    sha256: str
    kept: bool
    reason: str
    pixels: int
    ms: float


def _judge(
    photo: Photo, data: bytes, digest: str, pipeline: Pipeline
) -> tuple[str, int, Sample | None]:
    """(reason, pixels, sample or None) for one photo's bytes."""
    try:
        image = decode_image(data)
    except ImageError as exc:
        return exc.code, 0, None
    pixels = image.shape[0] * image.shape[1]
    analysis = analyze(image, pipeline)
    if not analysis.detections:
        return "no_face", pixels, None
    if not analysis.faces:
        return "no_two_eyes", pixels, None
    if len(analysis.faces) > 1:
        return "several_faces", pixels, None
    face = analysis.faces[0]
    crop = image[face.box.y : face.box.y + face.box.h, face.box.x : face.box.x + face.box.w]
    return "kept", pixels, Sample(photo, digest, face.box, crop.copy(), face.vector)


def clean(
    photos: Iterable[Photo], pipeline: Pipeline, progress: bool = True
) -> tuple[list[Sample], list[Verdict]]:
    """Judge every photo; return the kept samples and a verdict per photo."""
    photos = list(photos)
    seen: set[str] = set()
    samples: list[Sample] = []
    verdicts: list[Verdict] = []
    for photo in tqdm(photos, desc="featurizing", unit="photo", disable=not progress):
        data = photo.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            verdicts.append(Verdict(photo, digest, False, "duplicate", 0, 0.0))
            continue
        seen.add(digest)
        started = time.perf_counter()
        reason, pixels, sample = _judge(photo, data, digest, pipeline)
        elapsed_ms = (time.perf_counter() - started) * 1000
        verdicts.append(Verdict(photo, digest, sample is not None, reason, pixels, elapsed_ms))
        if sample is not None:
            samples.append(sample)
    return samples, verdicts
