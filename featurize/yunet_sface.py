"""The ``sface`` pipeline: YuNet finds faces and five landmarks, SFace describes each face.

YuNet searches a copy at most ``max_detect_side`` long (its cost grows with pixels, and faces
too small to find there are too small to name); the landmarks, scaled back, align each face on
the full-resolution photo into SFace's 112 x 112 crop. SFace's 128-d feature is L2-normalised,
so the Euclidean distance between two faces is a monotone function of their cosine similarity
(d = sqrt(2 - 2 cos)) and the open-set gate works on it as on dlib's descriptors.
"""

from dataclasses import dataclass

import numpy as np

from featurize.detect import shrink
from featurize.quality import FaceQuality, measure_quality
from featurize.results import Analysis, Box, Detection, FaceFeatures, clip
from featurize.zoo_models import sface, yunet

DESCRIPTOR_DIM = 128


@dataclass(frozen=True)
class YunetConfig:
    """``score_threshold``: YuNet's own confidence below which a box is dropped (OpenCV Zoo's
    default 0.9 misses turned and small faces; 0.5 found a face in 99.7 % of the shared
    photos). ``max_detect_side``: the longest side of the searched copy: 480 px named faces
    as well as 640 px by the per-face cross-validation (the faces it misses are too small to
    name) at 0.95x the seed's median cost instead of 1.10x (bench.per_face,
    bench.pipeline_cost; docs/model-report.md)."""

    score_threshold: float = 0.5
    max_detect_side: int = 480


@dataclass(frozen=True)
class YunetFace:
    """One YuNet face in original pixels: box, five landmarks (right eye, left eye, nose tip,
    right and left mouth corners, as (x, y)), and the detector's score."""

    box: Box
    landmarks: np.ndarray  # (5, 2) float32
    score: float

    def row(self) -> np.ndarray:
        """The 15-value row ``FaceRecognizerSF.alignCrop`` takes."""
        b = self.box
        head = np.array([b.x, b.y, b.w, b.h], dtype=np.float32)
        return np.concatenate([head, self.landmarks.reshape(-1), [self.score]]).astype(np.float32)


def yunet_faces(image: np.ndarray, config: YunetConfig) -> list[YunetFace]:
    """Every face YuNet finds in a BGR image, largest first, in original pixels."""
    small, factor = shrink(image, config.max_detect_side)
    detector = yunet(config.score_threshold)
    detector.setInputSize((small.shape[1], small.shape[0]))
    _, rows = detector.detect(small)
    faces = []
    for row in [] if rows is None else rows:
        raw = row[:4] / factor
        box = clip(Box(*(round(float(v)) for v in raw)), image.shape[0], image.shape[1])
        if box.w > 0 and box.h > 0:
            landmarks = (row[4:14] / factor).reshape(5, 2).astype(np.float32)
            faces.append(YunetFace(box, landmarks, float(row[14])))
    return sorted(faces, key=lambda f: f.box.w * f.box.h, reverse=True)


def align(image: np.ndarray, face: YunetFace) -> np.ndarray:
    """SFace's 112 x 112 BGR crop of ``face``, rotated and scaled by its landmarks."""
    return sface().alignCrop(image, face.row())


def describe_aligned(crop: np.ndarray) -> np.ndarray:
    """The L2-normalised 128-d SFace descriptor of an aligned 112 x 112 crop (float64)."""
    vector = sface().feature(crop).reshape(-1).astype(np.float64)
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def describe(image: np.ndarray, face: YunetFace) -> tuple[np.ndarray, FaceQuality]:
    """A face's descriptor and how clearly it can be seen."""
    crop = align(image, face)
    return describe_aligned(crop), measure_quality(face.box, face.landmarks, face.score, crop)


def sface_analyze(image: np.ndarray, config: YunetConfig) -> Analysis:
    """Every face YuNet finds in a BGR image, largest first, described by SFace."""
    found = yunet_faces(image, config)
    faces = []
    for face in found:
        vector, quality = describe(image, face)
        faces.append(FaceFeatures(face.box, vector, quality=quality))
    return Analysis([Detection(face.box) for face in found], faces)
