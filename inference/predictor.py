"""Name every usable face in a photo, or say ``unknown`` when the model is not sure."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from featurize import Box, FaceFeatures, ImageError, analyze, decode_image
from inference.artifacts import ModelBundle

UNKNOWN = "unknown"


@dataclass(frozen=True)
class FacePrediction:
    box: Box
    label: str
    score: float  # probability of the most likely person (also when answered unknown)
    probabilities: dict[str, float]
    distance: float | None = None  # to that person's nearest example (open-set models)
    person_id: str | None = None  # the stored person named, for models of stored people

    @property
    def named(self) -> bool:
        return self.label != UNKNOWN

    def as_dict(self) -> dict:
        return {
            "box": self.box.as_dict(),
            "label": self.label,
            "score": self.score,
            "distance": self.distance,
            "probabilities": self.probabilities,
        }


def best_named(faces: Iterable[FacePrediction]) -> FacePrediction | None:
    """The face that sums a photo up: the highest-scoring named one, else the first face.

    An ``unknown`` bystander that scored higher must not hide the person who was named.
    """
    faces = list(faces)
    named = [face for face in faces if face.named]
    if named:
        return max(named, key=lambda face: face.score)
    return faces[0] if faces else None


@dataclass(frozen=True)
class PhotoPrediction:
    """All faces of one photo (largest first), or the reason the photo could not be read."""

    faces: list[FacePrediction] = field(default_factory=list)
    error: ImageError | None = None

    def as_dict(self) -> dict:
        answer = best_named(self.faces)
        return {
            "faces": [face.as_dict() for face in self.faces],
            "answer": answer.label if answer else None,
            "error": self.error.as_dict() if self.error else None,
        }


class Predictor:
    """A loaded model plus the rule that answers ``unknown``.

    A face is ``unknown`` when its best probability is under ``unknown_threshold`` or, for
    open-set models, it is farther than ``distance_threshold`` from every example of the
    person it would be named as (so a classifier's mistake becomes ``unknown``, not a wrong
    name); a face only the fallback detector found must be within the stricter
    ``unclear_distance_threshold``. All default to the values in the manifest.
    ``hidden`` class indices are always answered ``unknown``: people deleted since training.
    """

    def __init__(
        self,
        bundle: ModelBundle,
        unknown_threshold: float | None = None,
        hidden: frozenset[int] = frozenset(),
    ) -> None:
        self.bundle = bundle
        self.hidden = hidden
        self.threshold = (
            float(bundle.manifest["unknown_threshold"])
            if unknown_threshold is None
            else unknown_threshold
        )
        self.distance_threshold = bundle.manifest.get("distance_threshold")
        self.unclear_threshold = bundle.manifest.get(
            "unclear_distance_threshold", self.distance_threshold
        )
        self._columns = [int(c) for c in bundle.estimator.classes_]  # column -> class index
        self._names = bundle.classes

    def hiding(self, hidden: frozenset[int]) -> "Predictor":
        """The same model answering ``unknown`` for the ``hidden`` class indices."""
        return Predictor(self.bundle, self.threshold, hidden)

    def predict_image(self, image: np.ndarray) -> list[FacePrediction]:
        """Faces of a decoded BGR image; one predict_proba call for all of them."""
        faces = analyze(image, self.bundle.pipeline).faces
        if not faces:
            return []
        matrix = np.stack([face.vector for face in faces])
        probabilities = self.bundle.estimator.predict_proba(matrix)
        best = probabilities.argmax(axis=1)
        distances = [None] * len(faces)
        if self.distance_threshold is not None:
            per_class = self.bundle.estimator.class_distances(matrix)
            distances = [round(float(per_class[i, col]), 4) for i, col in enumerate(best)]
        return [
            self._label(face, row, col, distance)
            for face, row, col, distance in zip(faces, probabilities, best, distances, strict=True)
        ]

    def predict_bytes(self, data: bytes) -> PhotoPrediction:
        """Decode and predict; an unreadable image becomes an error, never an exception."""
        try:
            image = decode_image(data)
        except ImageError as exc:
            return PhotoPrediction(error=exc)
        return PhotoPrediction(faces=self.predict_image(image))

    def _label(
        self, face: FaceFeatures, row: np.ndarray, column: int, distance: float | None
    ) -> FacePrediction:
        box = face.box
        probabilities = {
            self._names[c]: round(float(row[col]), 6) for col, c in enumerate(self._columns)
        }
        index, score = self._columns[column], round(float(row[column]), 6)
        limit = self.distance_threshold if face.clear else self.unclear_threshold
        known = (
            score >= self.threshold
            and index not in self.hidden
            and (distance is None or distance <= limit)
        )
        if not known:
            return FacePrediction(box, UNKNOWN, score, probabilities, distance)
        person_id = self.bundle.person_ids[index] if self.bundle.person_ids else None
        return FacePrediction(box, self._names[index], score, probabilities, distance, person_id)
