"""Name every usable face in a photo, or say ``unknown`` when the model is not sure."""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from featurize import Box, FaceFeatures, ImageError, analyze, decode_image
from featurize.decode import face_thumbnail
from inference.artifacts import ModelBundle
from inference.naming import GALLERY, Candidate, NamingRule, decide, preferred
from inference.recent import RecentExamples

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
    rule: str | None = None  # which rule named it (inference.naming.RULES), None when unknown
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
            "rule": self.rule,
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
    deleted since training) are never named; ``recent`` examples (not in the model) name their
    people too (the ``gallery`` rule).
    """

    def __init__(
        self,
        bundle: ModelBundle,
        unknown_threshold: float | None = None,
        hidden: frozenset[int] = frozenset(),
        recent: RecentExamples | None = None,
    ) -> None:
        self.bundle = bundle
        self.hidden = hidden
        self.recent = recent
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
        return Predictor(self.bundle, self.threshold, hidden, self.recent)

    def knowing(self, recent: RecentExamples | None) -> "Predictor":
        """The same model, also naming the people of ``recent`` examples (no reload)."""
        if recent is self.recent:
            return self
        return Predictor(self.bundle, self.threshold, self.hidden, recent)

    def candidates(self, faces: list[FaceFeatures]) -> tuple[np.ndarray, list[Candidate]]:
        """Probabilities (faces x columns) and each face's best class, as the rule sees it."""
        matrix = np.stack([face.vector for face in faces])
        probabilities = self.bundle.estimator.predict_proba(matrix)
        best = probabilities.argmax(axis=1)
        distances: list[float | None] = [None] * len(faces)
        averaged: list[int | None] = [None] * len(faces)
        if self.distance_threshold is not None:
            estimator = self.bundle.estimator
            per_class = estimator.class_distances(matrix)
            distances = [round(float(per_class[i, col]), 4) for i, col in enumerate(best)]
            sizes = np.minimum(estimator.class_sizes(), getattr(estimator, "neighbours", 1))
            averaged = [int(sizes[col]) for col in best]
        return probabilities, [
            Candidate(
                self._columns[col],
                round(float(row[col]), 6),
                distance,
                face.clear,
                face.quality,
                self._person_of(self._columns[col]),
                panel=face.panel,
                neighbours=count,
            )
            for face, row, col, distance, count in zip(
                faces, probabilities, best, distances, averaged, strict=True
            )
        ]

    def _person_of(self, index: int) -> str | None:
        return self.bundle.person_ids[index] if self.bundle.person_ids else None

    def _gallery_candidates(
        self, faces: list[FaceFeatures], probabilities: np.ndarray
    ) -> list[Candidate | None]:
        """Each face's nearest recent example, as a candidate of the ``gallery`` rule."""
        if self.recent is None:
            return [None] * len(faces)
        k = getattr(self.bundle.estimator, "neighbours", 1)
        distances, rows, counts = self.recent.nearest(np.stack([face.vector for face in faces]), k)
        columns = {self._person_of(c): col for col, c in enumerate(self._columns)}
        return [
            Candidate(
                int(row),
                self._score_of(probabilities[i], columns.get(self.recent.person_ids[row])),
                round(float(distance), 4),
                face.clear,
                face.quality,
                self.recent.person_ids[row],
                GALLERY,
                face.panel,
                int(count),
            )
            for i, (face, distance, row, count) in enumerate(
                zip(faces, distances, rows, counts, strict=True)
            )
        ]

    @staticmethod
    def _score_of(row: np.ndarray, column: int | None) -> float:
        """The model's probability of a gallery-named person (0 for one it does not know)."""
        return 0.0 if column is None else round(float(row[column]), 6)

    def predict_faces(self, faces: list[FaceFeatures]) -> list[FacePrediction]:
        """Name described faces of one photo (largest first); one predict_proba call."""
        if not faces:
            return []
        probabilities, candidates = self.candidates(faces)
        galleries = self._gallery_candidates(faces, probabilities)
        candidates = [
            preferred(self.rule, model, gallery, self.hidden)
            for model, gallery in zip(candidates, galleries, strict=True)
        ]
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
        if candidate.rule == GALLERY:
            label = self.recent.names[candidate.index]
        else:
            label = self._names[candidate.index]
        return FacePrediction(
            face.box,
            label,
            candidate.score,
            probabilities,
            candidate.distance,
            candidate.person,
            quality=quality,
            rule=candidate.rule,
        )
