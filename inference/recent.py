"""The examples an owner's active model was not trained on, to name their people at once.

Accepted examples wait for a quiet period and a training run before a model includes them;
until then the open-set rule names a face as the person of its nearest such example, when it
is within the active model's calibrated distance (inference.naming.preferred).
"""

from dataclasses import dataclass

import numpy as np

from inference.nearest import nearest


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

    def nearest(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per face row: the Euclidean distance to its nearest example, and that row."""
        distances, rows = nearest(faces, self.vectors, 1)
        return distances[:, 0], rows[:, 0]
