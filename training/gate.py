"""The ``unknown`` rule of open-set models: how far from a person's examples a face may be and
still be given that person's name.

Calibrated from every kept face, not from one split. Known distances: each example to its
person's other examples (leave one photo out; near-copies of the same photo, closer than
``NEAR_COPY``, are left out with it). Stranger distances: each example to the other people's
examples (leave one person out), plus any faces of people the model does not know. The
threshold is the largest at which at most ``FALSE_ACCEPT`` of the strangers would be named,
and never above ``PRIOR``: the operating point of dlib's descriptor found by cross-validation
over people (docs/model-report.md), because a small gallery has too few strangers to show how
close an outsider can come.

No n x n matrix is ever held: known distances compare each person's examples with their own
only, outsider distances are found a block of rows at a time (float32, BLOCK_BYTES per block),
so a gallery of 50,000 examples needs tens of MB here rather than 20 GB.

Faces that only the fallback detector found (featurize: not ``clear``: turned away, small or
blurred) are never learned from and are named only within ``UNCLEAR_CAP``: their descriptors
are less sure, and cross-validated a stricter cap halved wrong names for 1 point of known
faces kept (docs/model-report.md).
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import pairwise_distances

from inference.openset import grouped, nearest_mean

PRIOR = 0.57
FALSE_ACCEPT = 0.02
UNCLEAR_CAP = 0.54
NEAR_COPY = 0.15
BLOCK_BYTES = 32 * 2**20  # one block of distances: memory stays bounded at any gallery size


def _rows_per_block(columns: int, itemsize: int = 4) -> int:
    """Rows of a (rows, columns) block of distances that fit in BLOCK_BYTES."""
    return max(1, BLOCK_BYTES // (itemsize * max(columns, 1)))


def _squared_norms(vectors: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", vectors, vectors)


def _nearest(
    rows: np.ndarray,
    references: np.ndarray,
    exclude: Callable[[int, int, np.ndarray], None] | None = None,
    people: tuple[np.ndarray, int] | None = None,
) -> np.ndarray:
    """Each row's Euclidean distance to its nearest reference (float32; inf when every
    reference is excluded), a block of rows at a time so that memory stays near BLOCK_BYTES
    whatever the sizes. ``exclude(first, last, block)`` sets to inf, in the block of squared
    distances of rows ``first:last``, the pairs that must not count. ``people``: (starts, k)
    where the references come grouped by person (each group starting at ``starts``): the
    distance is then to the nearest person, as the mean of their k nearest references
    (inference.openset)."""
    rows = np.asarray(rows, dtype=np.float32)
    references = np.asarray(references, dtype=np.float32)
    doubled = -2 * references
    reference_norms = _squared_norms(references)
    row_norms = _squared_norms(rows)
    nearest = np.empty(len(rows), dtype=np.float32)
    step = _rows_per_block(len(references))
    for first in range(0, len(rows), step):
        last = min(first + step, len(rows))
        block = rows[first:last] @ doubled.T
        block += reference_norms
        if exclude is not None:
            exclude(first, last, block)
        if people is None:  # a row's own norm does not change which reference is nearest
            nearest[first:last] = block.min(axis=1, initial=np.inf) + row_norms[first:last]
            continue
        block += row_norms[first:last, None]
        np.sqrt(np.maximum(block, 0, out=block), out=block)
        per_person = nearest_mean(block, people[0], people[1])
        nearest[first:last] = per_person.min(axis=1, initial=np.inf) ** 2
    return np.sqrt(np.maximum(nearest, 0))


def _people(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order that puts each person's examples together, and where each person's run of
    examples starts and ends in that order."""
    order, starts = grouped(labels)
    return order, starts, np.r_[starts[1:], len(order)]


def known_distances(vectors: np.ndarray, labels: np.ndarray, k: int = 1) -> np.ndarray:
    """Each example's distance to its person's other examples (not near-copies), as the
    mean of the ``k`` nearest.

    People with a single example give nothing: there is nothing to leave one out of. Only
    each person's own examples are compared, so the cost is the sum of their squares.
    """
    order, starts, ends = _people(np.asarray(labels))
    vectors = np.asarray(vectors, dtype=np.float64)[order]
    nearest = np.empty(len(order), dtype=np.float64)
    for start, end in zip(starts, ends, strict=True):
        own = vectors[start:end]
        step = _rows_per_block(len(own), itemsize=8)
        for first in range(0, len(own), step):
            distances = pairwise_distances(own[first : first + step], own)
            distances[distances < NEAR_COPY] = np.inf
            rows = np.arange(len(distances))
            distances[rows, first + rows] = np.inf
            nearest[start + first : start + first + len(distances)] = nearest_mean(
                distances, np.array([0]), k
            )[:, 0]
    usable = np.empty_like(nearest)
    usable[order] = nearest
    return usable[np.isfinite(usable)]


def stranger_distances(
    vectors: np.ndarray, labels: np.ndarray, strangers: np.ndarray | None = None, k: int = 1
) -> np.ndarray:
    """Each example's distance to the nearest other person, and each stranger's to the
    nearest person (each person's distance the mean of their ``k`` nearest examples)."""
    order, starts, ends = _people(np.asarray(labels))
    ordered = np.asarray(vectors)[order]

    def leave_person_out(first: int, last: int, block: np.ndarray) -> None:
        for person in range(np.searchsorted(ends, first, "right"), len(starts)):
            start, end = starts[person], ends[person]
            if start >= last:
                break
            block[max(start, first) - first : min(end, last) - first, start:end] = np.inf

    people = (starts, k) if k > 1 else None
    nearest = _nearest(ordered, ordered, leave_person_out, people)
    within = np.empty_like(nearest)
    within[order] = nearest
    parts = [within[np.isfinite(within)]]
    if strangers is not None and len(strangers):
        parts.append(_nearest(strangers, ordered, people=people))
    return np.concatenate(parts)


def bystander_distances(
    vectors: np.ndarray,
    bystanders: np.ndarray | None,
    photos: np.ndarray | None = None,
    bystander_photos: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    k: int = 1,
) -> np.ndarray:
    """Each bystander's distance to the nearest person, by examples from other photos than
    its own (with ``labels``, each person's distance the mean of their ``k`` nearest)."""
    if bystanders is None or not len(bystanders):
        return np.array([])
    people = None
    if labels is not None and k > 1:
        order, starts, _ = _people(np.asarray(labels))
        vectors = np.asarray(vectors)[order]
        photos = None if photos is None else np.asarray(photos)[order]
        people = (starts, k)
    leave_own_photo_out = None
    if photos is not None and bystander_photos is not None:
        photos, bystander_photos = np.asarray(photos), np.asarray(bystander_photos)

        def leave_own_photo_out(first: int, last: int, block: np.ndarray) -> None:
            block[bystander_photos[first:last, None] == photos[None, :]] = np.inf

    nearest = _nearest(bystanders, vectors, leave_own_photo_out, people)
    return nearest[np.isfinite(nearest)]


def grid_for(prior: float) -> np.ndarray:
    """Thresholds tried: 0.01 apart, from about half the prior to about 1.4 times it (for
    dlib's 0.57: 0.30 to 0.80)."""
    return np.round(np.arange(round(prior * 0.53, 2), round(prior * 1.4, 2) + 1e-4, 0.01), 2)


def threshold(strangers: np.ndarray, prior: float = PRIOR) -> float:
    """The largest grid threshold naming at most FALSE_ACCEPT of ``strangers``, capped at prior."""
    grid = grid_for(prior)
    if not strangers.size:
        return prior
    allowed = [t for t in grid if t <= prior and np.mean(strangers <= t) <= FALSE_ACCEPT]
    return float(max(allowed)) if allowed else float(grid[0])


def _share(values: np.ndarray, mask: np.ndarray) -> float | None:
    return round(float(np.mean(mask)), 4) if values.size else None


def calibrate(
    vectors: np.ndarray,
    labels: np.ndarray,
    strangers: np.ndarray | None = None,
    bystanders: np.ndarray | None = None,
    prior: float = PRIOR,
    unclear_cap: float = UNCLEAR_CAP,
    photos: np.ndarray | None = None,
    bystander_photos: np.ndarray | None = None,
    k: int = 1,
    pair_prior: float | None = None,
) -> dict[str, Any]:
    """The distance threshold and everything a person needs to judge it.

    ``strangers``: faces of people the model does not know (clean one-face photos).
    ``bystanders``: the other faces of photos the examples came from (partners, crowds, other
    players the model does not know): outsiders as they really stand beside a known person.
    Both are negatives; ``curves`` give, per threshold, the share of known faces kept and of
    each kind of outsider refused (the model report plots them). ``margin`` is the gap between
    the 97th percentile of known distances and the 1st of outsider distances: negative when
    the two overlap. ``prior`` and ``unclear_cap`` are the pipeline's (featurize.pipelines).
    ``photos`` and ``bystander_photos`` (ids of the photo each example and bystander came
    from) leave a bystander's own photo out: its distance is to the other photos' examples.
    ``k``: a face's distance to a person is the mean of their k nearest examples
    (inference.openset); ``pair_distance_threshold`` is the same rule for one example (k=1):
    how near two single faces must be to be one person (clusters of unnamed faces), capped at
    ``pair_prior``.
    """
    known = known_distances(vectors, labels, k)
    outsiders = stranger_distances(vectors, labels, strangers, k)
    beside = bystander_distances(vectors, bystanders, photos, bystander_photos, labels, k)
    negatives = np.concatenate([outsiders, beside])
    chosen = threshold(negatives, prior)
    grid = grid_for(prior)
    margin = (
        round(float(np.quantile(negatives, 0.01) - np.quantile(known, 0.97)), 4)
        if known.size and negatives.size
        else None
    )
    pair = chosen
    if k > 1:
        pair = threshold(
            np.concatenate(
                [
                    stranger_distances(vectors, labels, strangers),
                    bystander_distances(vectors, bystanders, photos, bystander_photos),
                ]
            ),
            pair_prior or prior,
        )
    return {
        "distance_threshold": chosen,
        "unclear_distance_threshold": min(chosen, unclear_cap),
        "distance_k": k,
        "pair_distance_threshold": pair,
        "prior": prior,
        "known_faces": int(known.size),
        "stranger_faces": int(outsiders.size),
        "bystander_faces": int(beside.size),
        "known_kept": _share(known, known <= chosen),
        "strangers_refused": _share(outsiders, outsiders > chosen),
        "bystanders_refused": _share(beside, beside > chosen),
        "margin": margin,
        "curves": {
            "threshold": grid.tolist(),
            "known_kept": [_share(known, known <= t) for t in grid],
            "strangers_refused": [_share(outsiders, outsiders > t) for t in grid],
            "bystanders_refused": [_share(beside, beside > t) for t in grid],
        },
    }
