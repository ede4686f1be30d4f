"""The ``unknown`` rule on photos the model was not fitted or calibrated on, by
cross-validation, before (the rule shipped until 2026-12-01) and after (training.gate).

Every photo of both datasets is described once with the shipped pipeline. Known people's
photos are split into 5 stratified folds by content hash; for each fold a model is trained as
``celebclf train`` trains (one-face photos of the other folds, training.fit) and judged on the
fold's photos, all of them, as ``celebclf evaluate`` judges (a photo's answer is its best named
face). Strangers are people the model does not know: the four seed-celebrities people. The last
block makes all nine people known and finds its strangers by leaving one person out at a time,
so the rule is not judged on five people only. Wrong names and strangers are counted on photos
with one face only: the sports photos often show another known player beside the person of
the folder, and naming that player is right. Figures are mean ± standard deviation over folds.

before: unknown beyond the 95th percentile of correctly named held-out faces' distance to the
nearest training face of anyone (calibrated on a 75/25 split of the training photos).
after: unknown beyond training.gate's threshold from the named person's own examples (for a
face only the CNN found, its stricter cap).

Usage: python -m bench.unknown_rule   (about 10 minutes on 2 cores)
"""

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import pairwise_distances
from sklearn.model_selection import train_test_split

from featurize import Pipeline, decode_image, get_pipeline
from featurize.opencv import cv2
from tests.conftest import SEED, SPORTS
from training.dataset import list_photos
from training.fit import fit

PIPELINE = get_pipeline("dlib")
STRANGERS = ("alexandra_daddario", "charles_leclerc", "lisa_vicari", "max_verstappen")
FOLDS = 5


@dataclass(frozen=True)
class Photo:
    person: str
    source: str
    digest: str
    vectors: np.ndarray  # (faces, 128)
    clear: bool  # found by HOG: a face to learn from (training.cleaning), not only to name

    @property
    def learnable(self) -> bool:
        """As ``celebclf train`` keeps photos: exactly one face, a clear one."""
        return len(self.vectors) == 1 and self.clear


def distinct_photos() -> Iterator[tuple[str, str, str, np.ndarray | None]]:
    """(person, source, SHA-256, decoded image or None if unreadable) of every distinct photo
    of both datasets, sports first: the walk every cross-validating bench describes."""
    seen = set()
    for source, root in (("sports", SPORTS), ("seed", SEED)):
        for photo in list_photos(root):
            data = photo.path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            try:
                image = decode_image(data)
            except ValueError:
                image = None
            yield photo.person, source, digest, image


def describe_all(pipeline: Pipeline = PIPELINE, cpu_ms: list[float] | None = None) -> list[Photo]:
    """Every distinct photo of both datasets described by ``pipeline``; ``cpu_ms`` collects
    this thread's CPU time per photo for finding and describing its faces (decode excluded)."""
    photos = []
    for person, source, digest, image in distinct_photos():
        faces = []
        if image is not None:
            started = time.thread_time()
            faces = pipeline.analyze(image).faces
            if cpu_ms is not None:
                cpu_ms.append((time.thread_time() - started) * 1000)
        vectors = np.array([f.vector for f in faces]).reshape(len(faces), pipeline.dim)
        clear = all(f.clear for f in faces)
        photos.append(Photo(person, source, digest, vectors, clear))
    return photos


def folds_of(photos: list[Photo]) -> list[int]:
    """Fold per photo: stratified per person, decided by content hash (as celebclf split)."""
    fold, by_person = [0] * len(photos), defaultdict(list)
    for i, photo in enumerate(photos):
        by_person[photo.person].append(i)
    for indices in by_person.values():
        ranked = sorted(indices, key=lambda i: photos[i].digest)
        for rank, i in enumerate(ranked):
            fold[i] = rank % FOLDS
    return fold


class Rules:
    """A model fitted on one-face training photos, answering faces by both rules."""

    def __init__(self, train: list[Photo], seed: int = 0) -> None:
        kept = [p for p in train if p.learnable]
        self.names = sorted({p.person for p in kept})
        x = np.stack([p.vectors[0] for p in kept]).astype(np.float64)
        y = np.array([self.names.index(p.person) for p in kept])
        fitted = fit(x, y, self.names, PIPELINE, seed=seed, progress=False)
        self.model, self.x, self.y = fitted.estimator, x, y
        self.after_threshold = fitted.rule["distance_threshold"]
        self.unclear_threshold = fitted.rule["unclear_distance_threshold"]
        self.before_threshold = self._old_threshold(seed)

    def _old_threshold(self, seed: int) -> float:
        x_fit, x_test, y_fit, y_test = train_test_split(
            self.x, self.y, test_size=0.25, stratify=self.y, random_state=seed
        )
        held = fit(x_fit, y_fit, self.names, PIPELINE, seed=seed, progress=False).estimator
        correct = held.predict(x_test) == y_test
        distances = pairwise_distances(x_test[correct], x_fit).min(axis=1)
        return float(np.quantile(distances, 0.95, method="higher"))

    def answers(self, vectors: np.ndarray, clear: bool = True) -> dict[str, list[str]]:
        """Per rule, each face's label (a name or "unknown"); ``clear``: found by HOG."""
        if not len(vectors):
            return {"before": [], "after": []}
        probabilities = self.model.predict_proba(vectors)
        picked = probabilities.argmax(axis=1)
        per_class = self.model.class_distances(vectors)
        own = per_class[np.arange(len(vectors)), picked]
        nearest = per_class.min(axis=1)
        names = np.array([self.names[c] for c in self.model.classes_[picked]], dtype=object)
        return {
            "before": list(np.where(nearest <= self.before_threshold, names, "unknown")),
            "after": list(
                np.where(
                    own <= (self.after_threshold if clear else self.unclear_threshold),
                    names,
                    "unknown",
                )
            ),
        }

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(vectors).max(axis=1) if len(vectors) else np.array([])


def photo_answer(labels: list[str], scores: np.ndarray) -> str | None:
    named = [(s, label) for s, label in zip(scores, labels, strict=True) if label != "unknown"]
    return max(named)[1] if named else ("unknown" if labels else None)


def judge(rules: Rules, known: list[Photo], strangers: list[Photo]) -> dict[str, dict[str, float]]:
    out = {}
    lone = [p for p in strangers if len(p.vectors) == 1]
    for rule in ("before", "after"):
        right = found = one_face = one_face_right = one_face_wrong = 0
        for photo in known:
            labels = rules.answers(photo.vectors, photo.clear)[rule]
            answer = photo_answer(labels, rules.scores(photo.vectors))
            found += answer is not None
            right += answer == photo.person
            if len(labels) == 1:
                one_face += 1
                one_face_right += labels[0] == photo.person
                one_face_wrong += labels[0] not in ("unknown", photo.person)
        named = sum(rules.answers(p.vectors, p.clear)[rule][0] != "unknown" for p in lone)
        out[rule] = {
            "threshold": rules.before_threshold if rule == "before" else rules.after_threshold,
            "coverage": found / len(known),
            "accuracy on found": right / max(found, 1),
            "end to end": right / len(known),
            "one-face photos named right": one_face_right / max(one_face, 1),
            "wrong names /100 one-face": 100 * (one_face_wrong + named) / (one_face + len(lone)),
            "strangers unknown (one-face)": 1 - named / max(len(lone), 1),
        }
    return out


def summarise(title: str, runs: list[dict]) -> None:
    print(f"\n{title}")
    metrics = list(runs[0]["after"])
    print(f"{'':<30}" + "".join(f"{rule:>20}" for rule in ("before", "after")))
    for metric in metrics:
        cells = []
        for rule in ("before", "after"):
            values = np.array([run[rule][metric] for run in runs])
            cells.append(f"{values.mean():>12.3f} ± {values.std():.3f}")
        print(f"{metric:<30}" + "".join(f"{c:>20}" for c in cells))


def five_known_runs(photos: list[Photo]) -> list[dict]:
    """One judgement per fold: the five known people, the four seed strangers."""
    fold = folds_of(photos)
    five = [i for i, p in enumerate(photos) if p.person not in STRANGERS]
    strangers = [p for p in photos if p.person in STRANGERS]
    return [
        judge(
            Rules([photos[i] for i in five if fold[i] != k]),
            [photos[i] for i in five if fold[i] == k],
            strangers,
        )
        for k in range(FOLDS)
    ]


def nine_known_runs(photos: list[Photo]) -> list[dict]:
    """One judgement per fold and left-out person: all nine known but the one left out."""
    fold, runs = folds_of(photos), []
    for k in range(FOLDS):
        for left_out in sorted({p.person for p in photos}):
            train = [p for i, p in enumerate(photos) if fold[i] != k and p.person != left_out]
            test = [p for i, p in enumerate(photos) if fold[i] == k and p.person != left_out]
            runs.append(judge(Rules(train), test, [p for p in photos if p.person == left_out]))
    return runs


def main() -> None:
    cv2.setNumThreads(1)
    photos = describe_all()
    summarise(
        "five known people (sports + messi's seed crops), four strangers:", five_known_runs(photos)
    )
    summarise(
        "all nine people known; each left out in turn as the stranger:", nine_known_runs(photos)
    )


if __name__ == "__main__":
    main()
