"""Clustering unknown faces job by job agrees with DBSCAN on well-separated people."""

import itertools

import numpy as np

from inference.clustering import absorb, recompute


def people(n_people: int, faces_each: int, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Faces of ``n_people`` far apart, each face within 0.2 of its person's centre."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_people, 16)) * 10
    noise = rng.normal(size=(n_people * faces_each, 16))
    noise *= 0.1 / np.linalg.norm(noise, axis=1, keepdims=True)
    who = [p for p in range(n_people) for _ in range(faces_each)]
    return (centres[who] + noise).astype(np.float32), who


def ids():
    counter = itertools.count()
    return lambda: f"c{next(counter)}"


def test_faces_added_one_job_at_a_time_make_one_cluster_per_person():
    vectors, who = people(4, 5)
    order = np.random.default_rng(1).permutation(len(who))
    vectors, who = vectors[order], [who[i] for i in order]  # in the order jobs bring them
    labels: list = []
    new_id = ids()
    for start in range(0, len(who), 3):  # jobs of three faces, people mixed
        end = min(start + 3, len(who))
        labels = [*labels, *[None] * (end - start)]
        labels = absorb(vectors[:end], labels, list(range(start, end)), 0.5, 3, new_id)
    by_person = {p: {labels[i] for i in range(len(who)) if who[i] == p} for p in set(who)}
    assert all(len(found) == 1 and None not in found for found in by_person.values())
    assert len({next(iter(found)) for found in by_person.values()}) == 4
    again = recompute(vectors, labels, 0.5, 3, new_id)
    assert again == labels, "a recompute finds the same clusters and keeps their ids"


def test_under_the_minimum_size_faces_stay_noise_until_a_third_arrives():
    vectors, _ = people(1, 3)
    new_id = ids()
    labels = absorb(vectors[:2], [None] * 2, [0, 1], 0.5, 3, new_id)
    assert labels == [None, None]
    labels = absorb(vectors, [*labels, None], [2], 0.5, 3, new_id)
    assert labels == ["c0"] * 3


def test_a_face_between_two_clusters_merges_them_into_the_bigger():
    line = np.array([[0.0], [0.1], [0.2], [1.0], [1.1], [0.6]], dtype=np.float32)
    labels = ["a", "a", "a", "b", "b", None]
    merged = absorb(line, labels, [5], 0.41, 3, ids())
    assert merged == ["a"] * 6
