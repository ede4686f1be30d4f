"""A face's distance to a person as the mean of their k nearest examples (inference.openset),
the same in the model, the gallery rule and the calibration (training.gate): each checked
against a brute-force loop."""

import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from inference.openset import nearest_mean
from inference.recent import RecentExamples
from training import gate

RNG = np.random.default_rng(0)


def _unit(rows: int) -> np.ndarray:
    vectors = RNG.normal(size=(rows, 8))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


EXAMPLES, LABELS = _unit(60), np.repeat(np.arange(6), 10)
OUTSIDERS = _unit(9)


def _brute(rows, references, labels, k, excluded=None) -> np.ndarray:
    distances = pairwise_distances(rows, references)
    if excluded is not None:
        distances[excluded] = np.inf
    best = np.full(len(rows), np.inf)
    for i in range(len(rows)):
        for person in np.unique(labels):
            own = np.sort(distances[i, labels == person])
            own = own[np.isfinite(own)][:k]
            if own.size:
                best[i] = min(best[i], own.mean())
    return best


def test_nearest_mean_is_the_mean_of_each_groups_k_smallest():
    distances = RNG.random((4, 7)).astype(np.float32)
    starts = np.array([0, 3, 5])
    means = nearest_mean(distances, starts, 2)
    for group, (first, last) in enumerate([(0, 3), (3, 5), (5, 7)]):
        expected = np.sort(distances[:, first:last], axis=1)[:, :2].mean(axis=1)
        assert np.allclose(means[:, group], expected)
    distances[0, 3] = np.inf  # a pair that must not count: the mean of what is left
    assert np.isclose(nearest_mean(distances, starts, 2)[0, 1], distances[0, 4])


@pytest.mark.parametrize("k", [1, 3])
def test_calibration_distances_match_a_brute_force_loop(k):
    strangers = gate.stranger_distances(EXAMPLES, LABELS, OUTSIDERS, k)
    expected = np.r_[
        _brute(EXAMPLES, EXAMPLES, LABELS, k, LABELS[:, None] == LABELS[None, :]),
        _brute(OUTSIDERS, EXAMPLES, LABELS, k),
    ]
    assert np.allclose(np.sort(strangers), np.sort(expected), atol=1e-4)
    photos, own_photo = np.arange(60) // 5, np.arange(9)
    beside = gate.bystander_distances(EXAMPLES, OUTSIDERS, photos, own_photo, LABELS, k)
    expected = _brute(OUTSIDERS, EXAMPLES, LABELS, k, own_photo[:, None] == photos[None, :])
    assert np.allclose(np.sort(beside), np.sort(expected), atol=1e-4)


def test_the_gallery_rule_measures_a_person_as_the_model_does():
    people = LABELS[:12] // 5
    recent = RecentExamples(
        EXAMPLES[:12].astype(np.float32), tuple(map(str, people)), ("name",) * 12
    )
    distances, rows, averaged = recent.nearest(OUTSIDERS, 3)
    assert np.allclose(distances, _brute(OUTSIDERS, EXAMPLES[:12], people, 3), atol=1e-4)
    assert list(averaged) == [min(3, int(np.sum(people == people[row]))) for row in rows]
    nearest_of_person = [
        min(np.flatnonzero(people == people[row]), key=lambda r: np.linalg.norm(EXAMPLES[r] - face))
        for face, row in zip(OUTSIDERS, rows, strict=True)
    ]
    assert list(rows) == nearest_of_person, "the row is that person's nearest example"
