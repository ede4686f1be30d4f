"""The examples an owner's active model was not trained on, to name their people at once.

Accepted examples wait for a quiet period and a training run before a model includes them;
until then the open-set rule names a face as the person of its nearest such example, when it
is within the active model's calibrated distance (inference.naming.preferred).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import pairwise_distances

from inference.nearest import nearest
from inference.openset import grouped, nearest_mean


@dataclass(frozen=True)
class RecentExamples:
    """Row i: one example's descriptor (float32, the model's pipeline), its person's id and
    current name."""

    vectors: np.ndarray
    person_ids: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, rows: list[tuple[str, str, bytes]]) -> "RecentExamples | None":
        """From (person id, name, descriptor bytes) rows; None when there are none."""
        if not rows:
            return None
        vectors = np.stack([np.frombuffer(d, dtype=np.float32) for _, _, d in rows])
        return cls(vectors, tuple(r[0] for r in rows), tuple(r[1] for r in rows))

    def nearest(self, faces: np.ndarray, k: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per face row: the distance to the nearest person of these examples, measured as
        the model measures it (the mean of the person's ``k`` nearest: inference.openset),
        the row of that person's nearest example, and how many examples the distance
        averages (fewer than ``k`` for a person with fewer)."""
        if k == 1:
            distances, rows = nearest(faces, self.vectors, 1)
            return distances[:, 0], rows[:, 0], np.ones(len(rows), dtype=int)
        people = np.asarray(self.person_ids)
        order, starts = grouped(people)
        full = pairwise_distances(np.asarray(faces, dtype=np.float32), self.vectors)
        per_person = nearest_mean(full[:, order], starts, k)  # (faces, people in run order)
        run = per_person.argmin(axis=1)
        person = people[order][starts[run]]
        row = np.where(people[None, :] == person[:, None], full, np.inf).argmin(axis=1)
        sizes = np.diff(np.r_[starts, len(order)])
        return per_person[np.arange(len(faces)), run], row, np.minimum(sizes[run], k)
