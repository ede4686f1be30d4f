"""The examples an owner's active model was not trained on, to name their people at once.

Accepted examples wait for a quiet period and a training run before a model includes them;
until then the open-set rule names a face as the person of its nearest such example, when it
is within the active model's calibrated distance (inference.naming.preferred).
"""

from dataclasses import dataclass

import numpy as np

from inference.nearest import nearest
from inference.openset import nearest_mean


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
        people, person_of_row = np.unique(self.person_ids, return_inverse=True)
        sizes = np.bincount(person_of_row)
        if k == 1:
            distances, rows = nearest(faces, self.vectors, 1)
            return distances[:, 0], rows[:, 0], np.ones(len(rows), dtype=int)
        order = np.argsort(person_of_row, kind="stable")
        starts = np.searchsorted(person_of_row[order], np.arange(len(people)))
        distances, rows = nearest(faces, self.vectors, len(self.vectors))
        full = np.empty_like(distances)
        np.put_along_axis(full, rows, distances, axis=1)  # (faces, examples) in row order
        per_person = nearest_mean(full[:, order], starts, k)
        person = per_person.argmin(axis=1)
        mine = person_of_row[None, :] == person[:, None]
        row = np.where(mine, full, np.inf).argmin(axis=1)
        return per_person[np.arange(len(faces)), person], row, np.minimum(sizes[person], k)
