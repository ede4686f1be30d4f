"""Unknown faces grouped into proposed people, by descriptor distance (DBSCAN's semantics).

A face is *core* when at least ``min_size`` faces (itself included) lie within ``eps`` of it;
a cluster is core faces within ``eps`` of each other plus the faces within ``eps`` of one of
them. ``absorb`` adds a few faces to a clustering already made without recomputing it:
a core face joins (and merges) the clusters of its neighbours and takes its unclustered
neighbours along, or founds a cluster with them; a face that is not core joins its nearest
clustered neighbour's cluster, or stays noise. ``recompute`` is scikit-learn's DBSCAN over
every face, keeping the ids of the clusters it finds again, to correct the drift of many
absorbs.
"""

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from sklearn.cluster import DBSCAN

Labels = list[str | None]  # each face's cluster id, None for noise


def absorb(
    vectors: np.ndarray,
    labels: Labels,
    new: Sequence[int],
    eps: float,
    min_size: int,
    new_id: Callable[[], str],
) -> Labels:
    """``labels`` after adding the faces at rows ``new`` of ``vectors`` (n x d, float32),
    one by one; ``labels[i]`` for those rows is ignored. Brute force: one pass over n per
    new face."""
    labels = list(labels)
    for i in new:
        labels[i] = None
        distances = np.linalg.norm(vectors - vectors[i], axis=1)
        near = np.flatnonzero(distances <= eps)
        by_distance = near[np.argsort(distances[near], kind="stable")]
        clustered = [labels[j] for j in by_distance if labels[j] is not None]
        if len(near) >= min_size:
            sizes = Counter(labels)
            target = max(clustered, key=lambda c: sizes[c], default=None) or new_id()
            merged = set(clustered)
            labels = [target if label in merged else label for label in labels]
            for j in near:
                labels[j] = labels[j] if labels[j] is not None else target
        elif clustered:
            labels[i] = clustered[0]
    return labels


def recompute(
    vectors: np.ndarray, labels: Labels, eps: float, min_size: int, new_id: Callable[[], str]
) -> Labels:
    """DBSCAN over every face; a cluster found again keeps the id most of its faces had."""
    if len(vectors) == 0:
        return []
    found = DBSCAN(eps=eps, min_samples=min_size).fit_predict(vectors)
    result: Labels = [None] * len(vectors)
    taken: set[str] = set()
    groups = sorted(set(found) - {-1}, key=lambda g: -int(np.sum(found == g)))
    for group in groups:
        members = np.flatnonzero(found == group)
        before = Counter(labels[j] for j in members if labels[j] is not None)
        kept = next((c for c, _ in before.most_common() if c not in taken), None)
        cluster = kept or new_id()
        taken.add(cluster)
        for j in members:
            result[j] = cluster
    return result
