"""The seed's manual data cleaning, automated: one usable face per photo, or a reason.

Rejection reasons: ``duplicate`` (same bytes as an earlier photo), an image error code
(``not_an_image``, ``corrupt_image``, ...), ``no_face``, ``no_two_eyes`` (seed pipeline),
``several_faces`` (which face is the person's is ambiguous), ``unclear_face`` (too small,
blurred or turned by the pipeline's ``learnable`` gate, or only the fallback detector found it:
fine to box, not to learn from). Faces under the ``learnable`` gate (a crowd far behind the
person) do not make a photo ambiguous. The service's enrolment of a
person's example photos applies the same ``judge``.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from featurize import Box, ImageError, Pipeline, analyze, decode_image
from training.dataset import Photo

KEPT = "kept"


@dataclass(frozen=True)
class Judgement:
    """What one photo gives: its one usable face (box, vector, crop), or why it gives none."""

    reason: str
    message: str
    pixels: int = 0
    box: Box | None = None
    vector: np.ndarray | None = None
    crop: np.ndarray | None = None


def judge(data: bytes, pipeline: Pipeline) -> Judgement:
    """Decode, find faces, and keep the photo only if exactly one face is usable."""
    try:
        image = decode_image(data)
    except ImageError as exc:
        return Judgement(exc.code, exc.message)
    pixels = image.shape[0] * image.shape[1]
    analysis = analyze(image, pipeline)
    if not analysis.detections:
        return Judgement("no_face", "no face was found in the photo", pixels)
    if not analysis.faces:
        return Judgement("no_two_eyes", "no face with two visible eyes was found", pixels)
    usable = [face for face in analysis.faces if pipeline.learnable.admits(face.quality)]
    if not usable:
        return Judgement(
            "unclear_face",
            "the face is too small, blurred or turned away to learn from: use a photo with a "
            "clear, frontal face",
            pixels,
        )
    if len(usable) > 1:
        return Judgement(
            "several_faces",
            f"the photo has {len(usable)} clear faces, so which one is the person's is "
            "ambiguous: use a photo where theirs is the only clear face",
            pixels,
        )
    face = usable[0]
    if not face.clear:
        return Judgement(
            "unclear_face",
            "the face is turned away, small or blurred (only the fallback detector finds it): "
            "use a photo with a clear, frontal face",
            pixels,
        )
    crop = image[face.box.y : face.box.y + face.box.h, face.box.x : face.box.x + face.box.w]
    return Judgement(KEPT, "one usable face", pixels, face.box, face.vector, crop.copy())


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
        verdict = judge(data, pipeline)
        elapsed_ms = (time.perf_counter() - started) * 1000
        kept = verdict.reason == KEPT
        verdicts.append(Verdict(photo, digest, kept, verdict.reason, verdict.pixels, elapsed_ms))
        if kept:
            samples.append(Sample(photo, digest, verdict.box, verdict.crop, verdict.vector))
    return samples, verdicts


def stranger_vectors(photos: Iterable[Photo], pipeline: Pipeline, known: set[str]) -> np.ndarray:
    """Vectors of every face in the photos of people not in ``known``: faces to refuse."""
    vectors = []
    for photo in photos:
        if photo.person in known:
            continue
        try:
            image = decode_image(photo.path.read_bytes())
        except ImageError:
            continue
        vectors += [face.vector for face in analyze(image, pipeline).faces]
    return np.array(vectors).reshape(len(vectors), pipeline.dim)
