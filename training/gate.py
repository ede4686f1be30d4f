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

Faces that only the fallback detector found (featurize: not ``clear``: turned away, small or
blurred) are never learned from and are named only within ``UNCLEAR_CAP``: their descriptors
are less sure, and cross-validated a stricter cap halved wrong names for 1 point of known
faces kept (docs/model-report.md).
"""

from typing import Any

import numpy as np
from sklearn.metrics import pairwise_distances

PRIOR = 0.57
FALSE_ACCEPT = 0.02
UNCLEAR_CAP = 0.54
NEAR_COPY = 0.15


def _pairwise(vectors: np.ndarray) -> np.ndarray:
    distances = pairwise_distances(np.asarray(vectors, dtype=np.float64))
    np.fill_diagonal(distances, np.inf)
    return distances


def known_distances(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each example's distance to its person's nearest other example (not a near-copy).

    People with a single example give nothing: there is nothing to leave one out of.
    """
    distances = _pairwise(vectors)
    same = labels[:, None] == labels[None, :]
    usable = np.where(same & (distances >= NEAR_COPY), distances, np.inf).min(axis=1)
    return usable[np.isfinite(usable)]


def stranger_distances(
    vectors: np.ndarray, labels: np.ndarray, strangers: np.ndarray | None = None
) -> np.ndarray:
    """Each example's distance to the other people's examples, and each stranger's to all."""
    distances = _pairwise(vectors)
    others = labels[:, None] != labels[None, :]
    within = np.where(others, distances, np.inf).min(axis=1)
    parts = [within[np.isfinite(within)]]
    if strangers is not None and len(strangers):
        parts.append(pairwise_distances(strangers, vectors).min(axis=1))
    return np.concatenate(parts)


def grid_for(prior: float) -> np.ndarray:
    """Thresholds tried: 0.01 apart, from about half the prior to about 1.4 times it (for
    dlib's 0.57: 0.30 to 0.80)."""
    return np.round(np.arange(round(prior * 0.53, 2), round(prior * 1.4, 2) + 1e-4, 0.01), 2)


def bystander_distances(
    vectors: np.ndarray,
    bystanders: np.ndarray | None,
    photos: np.ndarray | None = None,
    bystander_photos: np.ndarray | None = None,
) -> np.ndarray:
    """Each bystander's distance to the nearest example from another photo than its own."""
    if bystanders is None or not len(bystanders):
        return np.array([])
    distances = pairwise_distances(np.asarray(bystanders, dtype=np.float64), vectors)
    if photos is not None and bystander_photos is not None:
        distances[np.asarray(bystander_photos)[:, None] == np.asarray(photos)[None, :]] = np.inf
    nearest = distances.min(axis=1)
    return nearest[np.isfinite(nearest)]


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
    """
    known = known_distances(vectors, labels)
    outsiders = stranger_distances(vectors, labels, strangers)
    beside = bystander_distances(vectors, bystanders, photos, bystander_photos)
    negatives = np.concatenate([outsiders, beside])
    chosen = threshold(negatives, prior)
    grid = grid_for(prior)
    margin = (
        round(float(np.quantile(negatives, 0.01) - np.quantile(known, 0.97)), 4)
        if known.size and negatives.size
        else None
    )
    return {
        "distance_threshold": chosen,
        "unclear_distance_threshold": min(chosen, unclear_cap),
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
