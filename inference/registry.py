"""Stored models, loaded once per process and kept while they are in use.

A worker reads its owner's active model id with every job (one indexed row) and asks here
for the predictor; a model is unpickled once per process (verified first, see
inference.artifacts), and shared by every owner whose model has the same bytes — every new
owner starts with the shipped model. So an activation reaches every process on every machine
at its next job, without a restart and without any message that could be lost.
"""

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any, Protocol

from inference.artifacts import ModelBundle, load_model_bytes
from inference.predictor import Predictor
from inference.recent import RecentExamples

MODELS_KEPT = 8
OWNERS_KEPT = 256  # owners whose recent examples a process keeps


class StoredModel(Protocol):
    """A model as stored: its bytes, manifest, and its people per class index."""

    version: str
    model_bytes: bytes
    manifest: dict[str, Any]
    people: list[dict[str, Any]]  # {"id", "name", ...} in class index order


class _Lru(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class ModelRegistry:
    """Predictors by (model id, people epoch); estimators by SHA-256, at most MODELS_KEPT."""

    def __init__(self, unknown_threshold: float | None = None, size: int = MODELS_KEPT) -> None:
        self.unknown_threshold = unknown_threshold
        self._bundles: _Lru = _Lru(size)
        self._predictors: _Lru = _Lru(size * 4)
        self._recent: _Lru = _Lru(OWNERS_KEPT)
        self._lock = Lock()

    def predictor(
        self,
        model_id: str,
        epoch: int,
        load: Callable[[], StoredModel],
        living: Callable[[], frozenset[str]],
    ) -> Predictor:
        """The predictor for ``model_id``, answering ``unknown`` for people no longer living.

        ``load`` and ``living`` are called only on a miss (a new model, or a person deleted
        since: ``epoch`` moved on).
        """
        key = (model_id, epoch)
        with self._lock:
            if key in self._predictors:
                self._predictors.move_to_end(key)
                return self._predictors[key]
        stored = load()
        bundle = self._bundle(stored)
        alive = living()
        hidden = frozenset(i for i, pid in enumerate(bundle.person_ids) if pid not in alive)
        predictor = Predictor(bundle, self.unknown_threshold, hidden)
        with self._lock:
            return self._predictors.remember(key, predictor)

    def recent(
        self, owner: str, stamp: tuple, load: Callable[[], RecentExamples | None]
    ) -> RecentExamples | None:
        """The owner's examples their model lacks, read again (``load``) only when ``stamp``
        (their active model and when their people or examples last changed) moved on."""
        with self._lock:
            kept = self._recent.get(owner)
        if kept is not None and kept[0] == stamp:
            return kept[1]
        examples = load()
        with self._lock:
            self._recent.remember(owner, (stamp, examples))
        return examples

    def keep(self, bundle: ModelBundle) -> None:
        """Hold a loaded model by its digest (before forking, so children share it)."""
        with self._lock:
            self._bundles.remember(bundle.manifest["model_sha256"], bundle)

    def _bundle(self, stored: StoredModel) -> ModelBundle:
        digest = stored.manifest["model_sha256"]
        people = tuple(p["id"] for p in stored.people)
        with self._lock:
            base = self._bundles.get(digest)
        if base is None:
            class_dictionary = {p["name"]: i for i, p in enumerate(stored.people)}
            base = load_model_bytes(
                stored.model_bytes, stored.manifest, class_dictionary, where=stored.version
            )
            with self._lock:
                self._bundles.remember(digest, base)
        names = {p["name"]: i for i, p in enumerate(stored.people)}
        manifest = {**base.manifest, "model_version": stored.version}
        return ModelBundle(base.estimator, names, manifest, base.pipeline, people)
