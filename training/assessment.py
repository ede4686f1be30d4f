"""How a model does on photos, end to end: found faces, right names, and strangers refused.

A photo's answer is its highest-scoring *named* face (inference.predictor.best_named),
``unknown`` only when none is named; a photo without a face is a miss.
Strangers are people of a second folder the model does not know: every face found of them
should be ``unknown``. Known people in that folder (a person in both sets) keep their name.
"""

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from inference import Predictor
from inference.predictor import UNKNOWN, FacePrediction, best_named
from training.dataset import list_photos
from training.per_face import FaceTally, LabelledFace, identity_of


def _answer(predictor: Predictor, path: Path) -> tuple[str | None, list[FacePrediction], float]:
    started = time.perf_counter()
    result = predictor.predict_bytes(path.read_bytes())
    elapsed_ms = (time.perf_counter() - started) * 1000
    answer = best_named(result.faces)
    return (answer.label if answer else None), result.faces, elapsed_ms


def _per_person(truth: list[str], answers: list[str | None], people: list[str]) -> dict:
    out = {}
    for person in people:
        said = sum(1 for a in answers if a == person)
        right = sum(1 for t, a in zip(truth, answers, strict=True) if t == a == person)
        total = sum(1 for t in truth if t == person)
        out[person] = {
            "precision": round(right / said, 4) if said else 0.0,
            "recall": round(right / total, 4) if total else 0.0,
            "photos": total,
        }
    return out


def assess_known(
    predictor: Predictor,
    data_dir: Path,
    progress: bool = True,
    face_labels: dict[str, list[LabelledFace]] | None = None,
) -> dict[str, Any]:
    """Photo-level figures; with ``face_labels`` (training.per_face) also face by face."""
    photos = list_photos(data_dir)
    truth, answers, ms = [], [], []
    faces, reasons = FaceTally(), Counter()
    for photo in tqdm(photos, desc="evaluating", unit="photo", disable=not progress):
        answer, found, elapsed = _answer(predictor, photo.path)
        truth.append(photo.person)
        answers.append(answer)
        ms.append(elapsed)
        if face_labels is not None:
            labelled = face_labels.get(hashlib.sha256(photo.path.read_bytes()).hexdigest())
            identities = [identity_of(f.box, labelled, photo.person) for f in found]
            faces.add_photo(identities, [f.label for f in found], set(predictor.bundle.classes))
            reasons.update(f.reason for f in found if f.reason)
    found = [a is not None for a in answers]
    right = [t == a for t, a in zip(truth, answers, strict=True)]
    n_found = sum(found)
    return {
        "photos": len(photos),
        "coverage": round(n_found / len(photos), 4),
        "accuracy_on_found": round(sum(right) / n_found, 4) if n_found else 0.0,
        "end_to_end_accuracy": round(sum(right) / len(photos), 4),
        "answered_unknown": sum(1 for a in answers if a == UNKNOWN),
        "per_person": _per_person(truth, answers, predictor.bundle.classes),
        "ms_per_photo": {
            "median": round(float(np.median(ms)), 1),
            "p95": round(float(np.percentile(ms, 95)), 1),
        },
        **(
            {"per_face": {**faces.figures(), "unknown_reasons": dict(reasons)}}
            if face_labels is not None
            else {}
        ),
    }


def assess_strangers(
    predictor: Predictor, strangers_dir: Path, progress: bool = True
) -> dict[str, Any]:
    known = set(predictor.bundle.classes)
    labels: dict[str, Counter] = {"stranger": Counter(), "known": Counter()}
    for photo in tqdm(
        list_photos(strangers_dir), desc="strangers", unit="photo", disable=not progress
    ):
        _, found, _ = _answer(predictor, photo.path)
        kind = "known" if photo.person in known else "stranger"
        for label in (f.label for f in found):
            labels[kind][
                "right" if label == (photo.person if kind == "known" else UNKNOWN) else "wrong"
            ] += 1
    stranger_faces = sum(labels["stranger"].values())
    known_faces = sum(labels["known"].values())
    return {
        "stranger_faces": stranger_faces,
        "strangers_unknown": round(labels["stranger"]["right"] / stranger_faces, 4)
        if stranger_faces
        else None,
        "known_faces_in_strangers_dir": known_faces,
        "known_named_right": round(labels["known"]["right"] / known_faces, 4)
        if known_faces
        else None,
    }
