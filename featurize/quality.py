"""How clearly a face can be seen, from what the detector and the aligned crop say.

A small, blurred or turned face gives a descriptor that lands near other people's, so the
service boxes it but does not name it (``unclear``). The measures are cheap and need no model:
the face's size in the photo, the detector's confidence, the sharpness of the aligned crop and
the head's turn read off the landmarks. Which values may be named is a ``QualityGate`` stored
with the model and calibrated face by face by cross-validation (docs/model-report.md).
"""

from dataclasses import asdict, dataclass

import numpy as np

from featurize.opencv import cv2
from featurize.results import Box


@dataclass(frozen=True)
class FaceQuality:
    """``side``: the shorter side of the face box in original pixels. ``score``: the
    detector's confidence (0-1). ``sharpness``: variance of the Laplacian of the grey aligned
    crop (higher is sharper). ``turn``: how far the nose tip sits from the eyes' midpoint,
    over the distance between the eyes (0 frontal, about 0.5 and more in profile)."""

    side: int
    score: float
    sharpness: float
    turn: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(float(v), 3) for k, v in asdict(self).items()}


def turn_of(landmarks: np.ndarray) -> float:
    """Head turn from five landmarks (right eye, left eye, nose, mouth corners)."""
    right_eye, left_eye, nose = landmarks[0], landmarks[1], landmarks[2]
    eyes = left_eye - right_eye
    span = float(np.linalg.norm(eyes))
    if span < 1e-6:
        return 1.0
    middle = (right_eye + left_eye) / 2
    along = float(np.dot(nose - middle, eyes / span))  # sideways offset of the nose
    return abs(along) / span


def sharpness_of(crop: np.ndarray) -> float:
    """Variance of the Laplacian of the crop in grey: low for blurred or tiny upscaled faces."""
    grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def measure_quality(box: Box, landmarks: np.ndarray, score: float, crop: np.ndarray) -> FaceQuality:
    return FaceQuality(min(box.w, box.h), float(score), sharpness_of(crop), turn_of(landmarks))


@dataclass(frozen=True)
class QualityGate:
    """The least a face must show to be named. Defaults name every face (no gate)."""

    min_side: int = 0
    min_score: float = 0.0
    min_sharpness: float = 0.0
    max_turn: float = float("inf")

    def admits(self, quality: FaceQuality | None) -> bool:
        if quality is None:
            return True
        return (
            quality.side >= self.min_side
            and quality.score >= self.min_score
            and quality.sharpness >= self.min_sharpness
            and quality.turn <= self.max_turn
        )

    def as_dict(self) -> dict[str, float]:
        return {k: v for k, v in asdict(self).items() if np.isfinite(v)}

    @classmethod
    def from_dict(cls, values: dict | None) -> "QualityGate":
        return cls(**(values or {}))
