"""Face by face, by cross-validation over photos: which pipeline and which naming rule name
every box right, not only the photo's best face.

Every photo of both datasets is described once per variant (cached under
``~/.cache/celebclf/bench``). Known people are the five sports people (with the seed's Messi
crops); strangers the four other seed people. Five folds by content hash, stratified per
folder; each fold's model is trained as ``celebclf train --face-labels`` trains (training.fit
on the photos with exactly one learnable face, unless the labels give it to someone else, and
on the labelled known faces of the photos with several), its unknown rule calibrated with the
bystander faces of its training photos as negatives (or without, for the "before" curve), and
every face of the held-out photos is judged against ``labels/sports-celebrities-faces.csv``
(training.per_face).
Which faces may be named at all (the quality gate) is chosen by nested cross-validation: for
each held-out fold, on the other four folds' faces only. Figures are mean ± sd over folds.

Variants: ``dlib`` (the shipped pipeline until 2026-12-04), ``sface`` (YuNet + SFace),
``dlib+sface`` (dlib's boxes, aligned by YuNet's landmarks, described by SFace) and ``fused``
(dlib's and SFace's descriptors of the same face, concatenated).

Usage: python -m bench.per_face [--variants dlib sface ...] [--choose-k 1 2 3 5]
       (first run ~10 min on 2 cores: describing every photo; then ~1 min a variant)
"""

import argparse
import itertools
import json
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import joblib
import numpy as np

from bench.unknown_rule import distinct_photos
from featurize import analyze, get_pipeline
from featurize.opencv import cv2
from featurize.quality import QualityGate
from featurize.results import FaceFeatures
from featurize.yunet_sface import YunetConfig, describe, sface_analyze, yunet_faces
from inference.artifacts import ModelBundle
from inference.naming import decide
from inference.predictor import Predictor
from training.fit import fit
from training.per_face import (
    NOT_PEOPLE,
    FaceTally,
    example_face,
    identity_of,
    load_face_labels,
)

LABELS = Path(__file__).resolve().parents[1] / "labels" / "sports-celebrities-faces.csv"
CACHE = Path.home() / ".cache" / "celebclf" / "bench"
STRANGERS = ("alexandra_daddario", "charles_leclerc", "lisa_vicari", "max_verstappen")
FOLDS = 5
LABELLED_EXAMPLES = True  # as celebclf train --face-labels trains (training.train)
LEARNABLE = get_pipeline("sface").learnable  # what may be learned from (training.cleaning)


@dataclass(frozen=True)
class Photo:
    folder: str
    digest: str
    faces: list[FaceFeatures]
    cpu_ms: float


def _sface_on(image: np.ndarray, box_faces: list[FaceFeatures], fuse: bool) -> list:
    """dlib's faces described by SFace (aligned by the YuNet face overlapping each most);
    with ``fuse`` the two descriptors side by side. Faces YuNet does not see are dropped."""
    found = yunet_faces(image, YunetConfig(score_threshold=0.3))
    out = []
    for face in box_faces:
        match = max(found, key=lambda f: f.box.iou(face.box), default=None)
        if match is None or match.box.iou(face.box) < 0.3:
            continue
        vector, quality = describe(image, match)
        if fuse:
            vector = np.concatenate([face.vector, 0.5 * vector])
        out.append(FaceFeatures(face.box, vector, face.clear, quality, face.panel))
    return out


def analyse(variant: str, image: np.ndarray) -> list[FaceFeatures]:
    """The faces ``variant`` names in ``image``, each with its collage panel, as served."""
    if variant in ("dlib", "sface"):
        return analyze(image, get_pipeline(variant)).faces
    if variant.startswith("sface@"):
        side = int(variant[6:])
        pipeline = replace(
            get_pipeline("sface"),
            analyze=partial(sface_analyze, config=YunetConfig(max_detect_side=side)),
        )
        return analyze(image, pipeline).faces
    dlib_faces = analyze(image, get_pipeline("dlib")).faces
    return _sface_on(image, dlib_faces, fuse=variant == "fused")


def describe_all(variant: str) -> list[Photo]:
    """Every distinct photo of both datasets, described by ``variant`` (cached)."""
    path = CACHE / f"per_face-{variant}-panels.joblib"
    if path.exists():  # stored as tuples: the module may run as __main__ or be imported
        return [Photo(*fields) for fields in joblib.load(path)]
    photos = []
    for person, _, digest, image in distinct_photos():
        if image is None:
            photos.append(Photo(person, digest, [], 0.0))
            continue
        started = time.thread_time()
        faces = analyse(variant, image)
        photos.append(Photo(person, digest, faces, (time.thread_time() - started) * 1e3))
    CACHE.mkdir(parents=True, exist_ok=True)
    joblib.dump([(p.folder, p.digest, p.faces, p.cpu_ms) for p in photos], path)
    return photos


def folds_of(photos: list[Photo]) -> list[int]:
    """Fold per photo: stratified per folder, decided by content hash."""
    fold = [0] * len(photos)
    for folder in {p.folder for p in photos}:
        ranked = sorted(
            (i for i, p in enumerate(photos) if p.folder == folder), key=lambda i: photos[i].digest
        )
        for rank, i in enumerate(ranked):
            fold[i] = rank % FOLDS
    return fold


def learnable(photo: Photo) -> FaceFeatures | None:
    """The photo's one face to learn from, as training.cleaning keeps it, else None."""
    usable = [f for f in photo.faces if f.clear and LEARNABLE.admits(f.quality)]
    return usable[0] if len(usable) == 1 else None


@dataclass
class Judged:
    """One held-out photo: each face's true identity and what the model's rule sees."""

    folder: str
    identities: list[str]
    names: list[str]  # class names in the model's index order
    candidates: list


def run_fold(variant, photos, identities, train, test, bystanders_too: bool, pipeline=None):
    examples = [(p, learnable(p)) for p in train]
    examples = [  # a one-face photo whose face the labels give to someone else teaches nothing
        (p.folder, p, f)
        for p, f in examples
        if f is not None and identities[p.digest][p.faces.index(f)] == p.folder
    ]
    names = sorted({who for who, _, _ in examples})
    if LABELLED_EXAMPLES:  # one a photo, as training.per_face.labelled_faces picks it
        for p in train:
            own = example_face(p.faces, identities[p.digest], p.folder, LEARNABLE)
            if learnable(p) is None and own is not None and p.folder in names:
                examples.append((p.folder, p, own))
    x = np.stack([f.vector for _, _, f in examples])
    y = np.array([names.index(who) for who, _, _ in examples])
    beside = [
        (face.vector, p.digest)
        for p in train
        for face, who in zip(p.faces, identities[p.digest], strict=True)
        if who in NOT_PEOPLE or (who not in names and who != "unsure")
    ]
    pipeline = pipeline or get_pipeline("dlib" if variant in ("dlib", "fused") else "sface")
    if variant == "fused":
        pipeline = replace(pipeline, gate_prior=0.85, unclear_cap=0.85, dim=256)
    use = bool(bystanders_too and beside)
    fitted = fit(
        x,
        y,
        names,
        pipeline,
        progress=False,
        bystanders=np.stack([v for v, _ in beside]) if use else None,
        photos=np.array([p.digest for _, p, _ in examples]),
        bystander_photos=np.array([d for _, d in beside]) if use else None,
    )
    manifest = {"model_version": "cv", **fitted.manifest_fields()}
    bundle = ModelBundle(fitted.estimator, {n: i for i, n in enumerate(names)}, manifest, pipeline)
    predictor = Predictor(bundle)
    judged = []
    for p in test:
        cands = predictor.candidates(p.faces)[1] if p.faces else []
        judged.append(Judged(p.folder, identities[p.digest], names, cands))
    return predictor.rule, judged, fitted.rule["calibration"]


def tally(rule, judged: list[Judged], known: set[str]) -> dict:
    faces, strangers_named, strangers, right, found = FaceTally(), 0, 0, 0, 0
    for photo in judged:
        reasons = decide(rule, photo.candidates)
        labels = [
            photo.names[c.index] if r is None else "unknown"
            for c, r in zip(photo.candidates, reasons, strict=True)
        ]
        if photo.folder in STRANGERS:
            strangers += len(labels) == 1
            strangers_named += len(labels) == 1 and labels[0] != "unknown"
            continue
        faces.add_photo(photo.identities, labels, known)
        named = [
            (c.score, lab)
            for c, lab in zip(photo.candidates, labels, strict=True)
            if lab != "unknown"
        ]
        found += bool(photo.candidates)
        right += bool(named) and max(named)[1] == photo.folder
    return {
        **faces.figures(),
        "photo answer right (found)": round(right / max(found, 1), 4),
        "one-face strangers refused": round(1 - strangers_named / max(strangers, 1), 4),
    }


GATES = [
    QualityGate(side, score, sharp, turn)
    for side, score, sharp, turn in itertools.product(
        (0, 24, 32, 40, 56), (0.0, 0.6, 0.7, 0.8), (0.0, 50.0, 150.0), (float("inf"), 0.6, 0.4)
    )
]


def pooled(rules, judged_by_fold, known, folds, gate_of) -> FaceTally:
    """Face counts over ``folds``, each fold's rule with the quality gate ``gate_of(fold)``."""
    t = FaceTally()
    for j in folds:
        rule = replace(rules[j], quality=gate_of(j))
        for photo in judged_by_fold[j]:
            if photo.folder in STRANGERS:
                continue
            reasons = decide(rule, photo.candidates)
            t.add_photo(
                photo.identities,
                [
                    photo.names[c.index] if r is None else "unknown"
                    for c, r in zip(photo.candidates, reasons, strict=True)
                ],
                known,
            )
    return t


def fit_for_purpose(t: FaceTally) -> tuple:
    """Sort key of a choice judged by ``t``: feasible first (name precision >= 0.98, issue 22's
    goal, and bystanders named <= 4 %), then the most known faces named right and the fewest
    wrong names; an infeasible choice by its precision."""
    f = t.figures()
    if (f["name precision"] or 0) >= 0.98 and (f["bystanders named"] or 0) <= 0.04:
        return (True, f["known faces named right"], -t.wrong_names)
    return (False, f["name precision"] or 0, 0)


def chosen_gate(rules, judged_by_fold, known, k) -> QualityGate:
    """The gate fittest for purpose on every fold but ``k`` (an int, or a set of folds left
    out); among equals the strictest (a face it refuses was not needed)."""
    left_out = k if isinstance(k, set) else {k}
    folds = [j for j in range(len(rules)) if j not in left_out]

    def score(gate):
        strictness = (gate.min_side, gate.min_score, gate.min_sharpness, -gate.max_turn)
        return (
            *fit_for_purpose(pooled(rules, judged_by_fold, known, folds, lambda _: gate)),
            strictness,
        )

    return max(GATES, key=score)


def _gate_without(rules, judged_by_fold, known, held_out: int, j: int) -> QualityGate:
    return chosen_gate(rules, judged_by_fold, known, {j, held_out})


def _k_score(runs: dict[int, tuple[list, list]], known: set[str], held_out: int, choice: int):
    """How fit for purpose ``distance_k`` = ``choice`` is on every fold but ``held_out``, each
    of them judged with its gate chosen on the other three."""
    rules, judged = runs[choice]
    others = [j for j in range(FOLDS) if j != held_out]
    gate_of = partial(_gate_without, rules, judged, known, held_out)
    return fit_for_purpose(pooled(rules, judged, known, others, gate_of))


def nested_k(runs: dict[int, tuple[list, list]], known: set[str]) -> list[dict]:
    """Per held-out fold, ``distance_k`` chosen on the other four folds, then that fold judged
    with its nested gate: how the choice of k itself carries to photos it was not chosen on.
    ``runs``: per k, the five folds' rules and judged photos."""
    figures = []
    for k in range(FOLDS):
        best = max(runs, key=partial(_k_score, runs, known, k))
        rules, judged = runs[best]
        gate = chosen_gate(rules, judged, known, k)
        figures.append(tally(replace(rules[k], quality=gate), judged[k], known))
        print(f"    fold {k}: k = {best}, gate {gate.as_dict()}")
    return figures


def summarise(title: str, runs: list[dict]) -> dict:
    print(f"\n{title}")
    out = {}
    for metric in runs[0]:
        values = np.array([r[metric] for r in runs if r[metric] is not None], dtype=float)
        out[metric] = (round(values.mean(), 4), round(values.std(), 4))
        print(f"  {metric:<32}{values.mean():>9.3f} ± {values.std():.3f}")
    return out


def fold_runs(variant, photos, identities, with_bystanders: bool, pipeline=None):
    """Each fold's rule, judged held-out photos and calibrated threshold."""
    fold = folds_of(photos)
    known_photos = [i for i, p in enumerate(photos) if p.folder not in STRANGERS]
    strangers = [p for p in photos if p.folder in STRANGERS]
    rules, judged_by_fold, thresholds = [], [], []
    for k in range(FOLDS):
        train = [photos[i] for i in known_photos if fold[i] != k]
        test = [photos[i] for i in known_photos if fold[i] == k] + strangers
        rule, judged, calibration = run_fold(
            variant, photos, identities, train, test, with_bystanders, pipeline
        )
        rules.append(rule)
        judged_by_fold.append(judged)
        thresholds.append(calibration["distance_threshold"])
    return rules, judged_by_fold, thresholds


def with_k(k: int):
    """The sface pipeline measuring a person by the mean of their ``k`` nearest examples,
    capped at the pipeline's prior for that measure (k = 1: its one-face prior)."""
    sface = get_pipeline("sface")
    prior = sface.pair_prior if k == 1 else sface.gate_prior
    return replace(sface, distance_k=k, gate_prior=prior, unclear_cap=prior)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", nargs="+", default=["dlib", "sface", "dlib+sface", "fused"])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument(
        "--no-labelled-examples",
        action="store_true",
        help="learn from one-face photos only, not also from the labelled known faces of "
        "photos with several (as models were trained until 2026-12-05)",
    )
    parser.add_argument(
        "--choose-k",
        nargs="+",
        type=int,
        metavar="K",
        help="also choose the sface pipeline's distance_k among these by nested "
        "cross-validation (bystanders as negatives, nested gate)",
    )
    args = parser.parse_args()
    global LABELLED_EXAMPLES
    LABELLED_EXAMPLES = not args.no_labelled_examples
    cv2.setNumThreads(1)
    labels = load_face_labels(args.labels)
    results = {}
    for variant in args.variants:
        photos = describe_all(variant)
        identities = {
            p.digest: [identity_of(f.box, labels.get(p.digest), p.folder) for f in p.faces]
            for p in photos
        }
        known = {p.folder for p in photos if p.folder not in STRANGERS}
        cost = np.median([p.cpu_ms for p in photos if p.faces or p.cpu_ms])
        print(f"\n=== {variant}: {len(photos)} photos, median {cost:.1f} ms per photo")
        for with_bystanders in (False, True):
            rules, judged_by_fold, thresholds = fold_runs(
                variant, photos, identities, with_bystanders
            )
            tag = "bystanders as negatives" if with_bystanders else "clean strangers only"
            plain = [tally(r, j, known) for r, j in zip(rules, judged_by_fold, strict=True)]
            results[f"{variant} / {tag} / no gate"] = summarise(
                f"{variant}, {tag}, every face may be named (thresholds {thresholds}):", plain
            )
            gated = []
            for k in range(FOLDS):
                gate = chosen_gate(rules, judged_by_fold, known, k)
                gated.append(tally(replace(rules[k], quality=gate), judged_by_fold[k], known))
                print(f"    fold {k}: gate {gate.as_dict()}")
            results[f"{variant} / {tag} / nested gate"] = summarise(
                f"{variant}, {tag}, quality gate chosen on the other folds:", gated
            )
            overall = chosen_gate(rules, judged_by_fold, known, -1)
            print(f"    chosen on all five folds (the pipeline's default): {overall.as_dict()}")
        if variant == "sface" and args.choose_k:
            runs = {}
            for k in args.choose_k:
                rules, judged_by_fold, _ = fold_runs(variant, photos, identities, True, with_k(k))
                runs[k] = (rules, judged_by_fold)
            results[f"{variant} / distance_k chosen nested"] = summarise(
                f"{variant}, distance_k chosen among {args.choose_k} on the other folds:",
                nested_k(runs, known),
            )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
