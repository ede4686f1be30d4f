"""Name every usable face in a photo, or say ``unknown`` when the model is not sure."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from featurize import Box, FaceFeatures, ImageError, analyze, decode_image
from featurize.decode import face_thumbnail
from inference.artifacts import ModelBundle
from inference.naming import Candidate, NamingRule, decide

UNKNOWN = "unknown"


@dataclass(frozen=True)
class FacePrediction:
    box: Box
    label: str
    score: float  # probability of the most likely person (also when answered unknown)
    probabilities: dict[str, float]
    distance: float | None = None  # to that person's nearest example (open-set models)
    person_id: str | None = None  # the stored person named, for models of stored people
    reason: str | None = None  # why the face is unknown (inference.naming), None when named
    quality: dict[str, float] | None = None  # featurize.quality, where the pipeline measures it
    # what is stored with a job's face for search and clustering (not part of the answer)
    vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    crop: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def named(self) -> bool:
        return self.label != UNKNOWN

    def as_dict(self) -> dict:
        return {
            "box": self.box.as_dict(),
            "label": self.label,
            "score": self.score,
            "distance": self.distance,
            "reason": self.reason,
            "quality": self.quality,
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
    """A loaded model plus the rule that says which faces are named (inference.naming).

    Thresholds and the quality gate default to the manifest's; ``hidden`` class indices (people
    deleted since training) are never named.
    """

    def __init__(
        self,
        bundle: ModelBundle,
        unknown_threshold: float | None = None,
        hidden: frozenset[int] = frozenset(),
    ) -> None:
        self.bundle = bundle
        self.hidden = hidden
        rule = NamingRule.from_manifest(bundle.manifest)
        if unknown_threshold is not None:
            rule = replace(rule, probability_threshold=unknown_threshold)
        self.rule = rule
        self.threshold = rule.probability_threshold
        self.distance_threshold = rule.distance_threshold
        self._columns = [int(c) for c in bundle.estimator.classes_]  # column -> class index
        self._names = bundle.classes

    def hiding(self, hidden: frozenset[int]) -> "Predictor":
        """The same model answering ``unknown`` for the ``hidden`` class indices."""
        return Predictor(self.bundle, self.threshold, hidden)

    def candidates(self, faces: list[FaceFeatures]) -> tuple[np.ndarray, list[Candidate]]:
        """Probabilities (faces x columns) and each face's best class, as the rule sees it."""
        matrix = np.stack([face.vector for face in faces])
        probabilities = self.bundle.estimator.predict_proba(matrix)
        best = probabilities.argmax(axis=1)
        distances: list[float | None] = [None] * len(faces)
        if self.distance_threshold is not None:
            per_class = self.bundle.estimator.class_distances(matrix)
            distances = [round(float(per_class[i, col]), 4) for i, col in enumerate(best)]
        return probabilities, [
            Candidate(
                self._columns[col],
                round(float(row[col]), 6),
                distance,
                face.clear,
                face.quality,
            )
            for face, row, col, distance in zip(faces, probabilities, best, distances, strict=True)
        ]

    def predict_faces(self, faces: list[FaceFeatures]) -> list[FacePrediction]:
        """Name described faces of one photo (largest first); one predict_proba call."""
        if not faces:
            return []
        probabilities, candidates = self.candidates(faces)
        reasons = decide(self.rule, candidates, self.hidden)
        return [
            self._prediction(face, row, candidate, reason)
            for face, row, candidate, reason in zip(
                faces, probabilities, candidates, reasons, strict=True
            )
        ]

    def predict_image(self, image: np.ndarray) -> list[FacePrediction]:
        """Faces of a decoded BGR image, each with its descriptor and a small crop."""
        faces = analyze(image, self.bundle.pipeline).faces
        return [
            replace(prediction, vector=face.vector, crop=face_thumbnail(image, face.box))
            for face, prediction in zip(faces, self.predict_faces(faces), strict=True)
        ]

    def predict_bytes(self, data: bytes) -> PhotoPrediction:
        """Decode and predict; an unreadable image becomes an error, never an exception."""
        try:
            image = decode_image(data)
        except ImageError as exc:
            return PhotoPrediction(error=exc)
        return PhotoPrediction(faces=self.predict_image(image))

    def _prediction(
        self, face: FaceFeatures, row: np.ndarray, candidate: Candidate, reason: str | None
    ) -> FacePrediction:
        probabilities = {
            self._names[c]: round(float(row[col]), 6) for col, c in enumerate(self._columns)
        }
        quality = face.quality.as_dict() if face.quality else None
        if reason is not None:
            return FacePrediction(
                face.box,
                UNKNOWN,
                candidate.score,
                probabilities,
                candidate.distance,
                reason=reason,
                quality=quality,
            )
        index = candidate.index
        person_id = self.bundle.person_ids[index] if self.bundle.person_ids else None
        return FacePrediction(
            face.box,
            self._names[index],
            candidate.score,
            probabilities,
            candidate.distance,
            person_id,
            quality=quality,
        )
