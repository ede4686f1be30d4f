"""How many example photos a person needs: the ``unknown`` rule's figures by training-set size.

A user enrols their people's photos over the API; this says how many to ask for. The five
known people of ``bench.unknown_rule`` are judged as there (five folds by content hash, each
fold's photos against a model trained as ``celebclf train`` trains on the other folds, the four
seed strangers), but each fold's model learns from at most N one-face photos per person, drawn
at random (three draws per fold). "all" is the full training folds (about 33 a person). The
slope of the last steps says what more photos per person would still buy.

Usage: python -m bench.examples_per_person   (about 4 minutes on one core)
"""

import random

import numpy as np

from bench.face_search_variants import cell
from bench.unknown_rule import FOLDS, STRANGERS, Photo, Rules, describe_all, folds_of, judge
from featurize.opencv import cv2

SIZES = (5, 10, 15, 20, 25, None)  # None: every training photo
DRAWS = 3
METRICS = ("accuracy on found", "one-face photos named right", "wrong names /100 one-face")


def at_most(photos: list[Photo], per_person: int | None, seed: int) -> list[Photo]:
    """At most ``per_person`` learnable photos of each person, drawn with ``seed``."""
    if per_person is None:
        return photos
    rng, by_person = random.Random(seed), {}
    for photo in photos:
        if photo.learnable:
            by_person.setdefault(photo.person, []).append(photo)
    return [
        p for group in by_person.values() for p in rng.sample(group, min(per_person, len(group)))
    ]


def main() -> None:
    cv2.setNumThreads(1)
    photos = describe_all()
    fold = folds_of(photos)
    known = [i for i, p in enumerate(photos) if p.person not in STRANGERS]
    strangers = [p for p in photos if p.person in STRANGERS]
    print(f"{'examples a person':<20}{'mean used':>10}" + "".join(f"{m:>32}" for m in METRICS))
    for size in SIZES:
        runs, used = [], []
        for k in range(FOLDS):
            train = [photos[i] for i in known if fold[i] != k]
            test = [photos[i] for i in known if fold[i] == k]
            for draw in range(DRAWS if size is not None else 1):
                chosen = at_most(train, size, seed=1000 * k + draw)
                rules = Rules(chosen)
                used.append(sum(p.learnable for p in chosen) / len(rules.names))
                runs.append(judge(rules, test, strangers))
        cells = [cell(runs, metric) for metric in METRICS]
        label = "all" if size is None else str(size)
        print(f"{label:<20}{np.mean(used):>10.1f}" + "".join(f"{c:>32}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
