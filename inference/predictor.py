"""Name every usable face in a photo, or say ``unknown`` when the model is not sure."""

from dataclasses import dataclass, field

import numpy as np

from featurize import Box, ImageError, analyze, decode_image
from inference.artifacts import ModelBundle

UNKNOWN = "unknown"


@dataclass(frozen=True)
class FacePrediction:
    box: Box
    label: str
    score: float
    probabilities: dict[str, float]

    def as_dict(self) -> dict:
        return {
            "box": self.box.as_dict(),
            "label": self.label,
            "score": self.score,
            "probabilities": self.probabilities,
        }


@dataclass(frozen=True)
class PhotoPrediction:
    """All faces of one photo (largest first), or the reason the photo could not be read."""

    faces: list[FacePrediction] = field(default_factory=list)
    error: ImageError | None = None

    def as_dict(self) -> dict:
        return {
            "faces": [face.as_dict() for face in self.faces],
            "error": self.error.as_dict() if self.error else None,
        }


class Predictor:
    """A loaded model plus the rule that answers ``unknown``.

    A face is ``unknown`` when its best probability is under ``unknown_threshold`` or, for
    open-set models, its descriptor is farther than ``distance_threshold`` from every training
    face. Both default to the values calibrated at training time (in the manifest).
    """

    def __init__(self, bundle: ModelBundle, unknown_threshold: float | None = None) -> None:
        self.bundle = bundle
        self.threshold = (
            float(bundle.manifest["unknown_threshold"])
            if unknown_threshold is None
            else unknown_threshold
        )
        self.distance_threshold = bundle.manifest.get("distance_threshold")
        index_of = {int(c): i for i, c in enumerate(bundle.estimator.classes_)}
        names = bundle.classes
        self._columns = [(names[c], index_of[c]) for c in range(len(names))]

    def predict_image(self, image: np.ndarray) -> list[FacePrediction]:
        """Faces of a decoded BGR image; one predict_proba call for all of them."""
        faces = analyze(image, self.bundle.pipeline).faces
        if not faces:
            return []
        matrix = np.stack([face.vector for face in faces])
        probabilities = self.bundle.estimator.predict_proba(matrix)
        known = np.ones(len(faces), dtype=bool)
        if self.distance_threshold is not None:
            known = self.bundle.estimator.nearest_distance(matrix) <= self.distance_threshold
        return [
            self._label(face.box, row, is_known)
            for face, row, is_known in zip(faces, probabilities, known, strict=True)
        ]

    def predict_bytes(self, data: bytes) -> PhotoPrediction:
        """Decode and predict; an unreadable image becomes an error, never an exception."""
        try:
            image = decode_image(data)
        except ImageError as exc:
            return PhotoPrediction(error=exc)
        return PhotoPrediction(faces=self.predict_image(image))

    def _label(self, box: Box, row: np.ndarray, known: bool) -> FacePrediction:
        probabilities = {name: round(float(row[col]), 6) for name, col in self._columns}
        best = max(probabilities, key=probabilities.__getitem__)
        score = probabilities[best]
        label = best if known and score >= self.threshold else UNKNOWN
        return FacePrediction(box, label, score, probabilities)
