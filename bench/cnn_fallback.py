"""Coverage and cost of dlib's face search orders, with and without the CNN fallback.

Every photo of both datasets is searched by HOG as the shipped first pass does (<= 480 px);
where that finds nothing, by HOG as its second pass (<= 960 px) and by the CNN (mmod)
detector at each size and upsample tried.
From those per-photo results and times the bench composes each search order (HOG only; HOG,
HOG 960, CNN; HOG, CNN; ...) and prints its coverage (share of photos with >= 1 face) and
milliseconds per photo (CPU time of this thread, one core, one BLAS thread; the descriptor of
the faces found included). It then checks the faces only the CNN found: the descriptor
distance of the largest to the nearest HOG-found face of the same person's other photos, and
of other people's.

Usage: python -m bench.cnn_fallback [--quick | --json]   (pins itself to core 0; --quick: the
shipped CNN setting only; --json: that, as one JSON line of figures per order)
"""

import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from featurize import decode_image
from featurize.dlib_backend import backend, describe, load_dlib
from featurize.dlib_faces import DlibConfig, cnn_boxes, dlib_models, hog_boxes
from featurize.opencv import cv2
from featurize.results import Box
from tests.conftest import SEED, SPORTS

CNN_SETTINGS = ((400, 0), (512, 0), (640, 0), (400, 1))
SHIPPED = DlibConfig()
HOG = (SHIPPED.max_detect_side, SHIPPED.enlarge)
HOG_WIDE = (SHIPPED.fallback_side, SHIPPED.fallback_enlarge)


@dataclass
class Photo:
    person: str
    path: Path
    found: dict[str, list[Box]] = field(default_factory=dict)  # search -> boxes
    ms: dict[str, float] = field(default_factory=dict)  # search -> CPU ms
    describe_ms: dict[str, float] = field(default_factory=dict)  # search -> ms of its faces
    vector: dict[str, np.ndarray] = field(default_factory=dict)  # search -> largest face's


def _cpu_ms(work: Callable[[], object]) -> tuple[object, float]:
    started = time.thread_time()
    result = work()
    return result, (time.thread_time() - started) * 1000


def _describe(rgb: np.ndarray, boxes: list[Box]) -> tuple[np.ndarray, float]:
    """The largest face's descriptor, and the CPU ms of describing all of ``boxes``."""
    dlib = load_dlib()
    _, predictor, encoder = dlib_models()

    def run():
        shapes = dlib.full_object_detections(
            [predictor(rgb, dlib.rectangle(b.x, b.y, b.x + b.w, b.y + b.h)) for b in boxes]
        )
        return encoder.compute_face_descriptor(rgb, shapes)

    descriptors, ms = _cpu_ms(run)
    return np.asarray(descriptors[0]), ms


def _search(photo: Photo, rgb: np.ndarray, name: str, find: Callable[[], list[Box]]) -> None:
    boxes, photo.ms[name] = _cpu_ms(find)
    photo.found[name] = boxes
    if boxes:
        photo.vector[name], photo.describe_ms[name] = _describe(rgb, boxes)


def measure(photo: Photo, cnn_settings: tuple[tuple[int, int], ...]) -> None:
    """Run every search the orders need on one photo."""
    image = decode_image(photo.path.read_bytes())
    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    _search(photo, rgb, "hog", lambda: hog_boxes(rgb, *HOG))
    if photo.found["hog"]:
        return
    if max(rgb.shape[:2]) > HOG[0]:
        _search(photo, rgb, "hog960", lambda: hog_boxes(rgb, *HOG_WIDE))
    for side, upsample in cnn_settings:
        _search(
            photo, rgb, f"cnn{side}u{upsample}", lambda s=side, u=upsample: cnn_boxes(rgb, s, u)
        )


def run_order(photo: Photo, order: tuple[str, ...]) -> tuple[str | None, float]:
    """Which search of ``order`` found the faces (None: none did), and the ms it all took."""
    ms = 0.0
    for name in order:
        if name not in photo.ms:
            continue  # hog960 on a photo no larger than the first pass's copy
        ms += photo.ms[name]
        if photo.found[name]:
            return name, ms + photo.describe_ms[name]
    return None, ms


def orders(cnn_settings: tuple[tuple[int, int], ...]) -> dict[str, tuple[str, ...]]:
    named = {"HOG 480 only": ("hog",), "HOG 480, HOG 960 (before)": ("hog", "hog960")}
    for side, upsample in cnn_settings:
        cnn = f"cnn{side}u{upsample}"
        label = f"CNN {side} px up {upsample}"
        named[f"HOG 480, HOG 960, {label}"] = ("hog", "hog960", cnn)
        named[f"HOG 480, {label}"] = ("hog", cnn)
        named[f"HOG 480, {label}, HOG 960"] = ("hog", cnn, "hog960")
    return named


def shipped_order(config: DlibConfig) -> tuple[str, ...]:
    """The searches ``dlib_analyze`` runs with ``config``, in its order."""
    cnn = (f"cnn{config.cnn_side}u{config.cnn_upsample}",) if config.cnn_side else ()
    return ("hog", *(("hog960",) if config.fallback_side else ()), *cnn)


def order_figures(photos: list[Photo], named: dict[str, tuple[str, ...]]) -> dict[str, dict]:
    """Coverage and ms per photo (mean, median, p95, max) of each named order."""
    figures = {}
    for label, order in named.items():
        results = [run_order(p, order) for p in photos]
        ms = sorted(r[1] for r in results)
        figures[label] = {
            "coverage": sum(r[0] is not None for r in results) / len(photos),
            "mean": statistics.mean(ms),
            "median": statistics.median(ms),
            "p95": ms[int(0.95 * (len(ms) - 1))],
            "max": ms[-1],
        }
    return figures


def print_orders(figures: dict[str, dict]) -> None:
    print(f"{'order':<44}{'coverage':>9}{'mean ms':>9}{'median':>8}{'p95':>8}{'max':>8}")
    for label, f in figures.items():
        print(
            f"{label:<44}{f['coverage']:>9.3f}{f['mean']:>9.1f}{f['median']:>8.1f}"
            f"{f['p95']:>8.1f}{f['max']:>8.1f}"
        )


def cnn_only_faces(photos: list[Photo], search: str) -> None:
    """Distance of each CNN-only face to the person's HOG faces and to everyone else's."""
    references = [(p.person, p.vector["hog"]) for p in photos if "hog" in p.vector]
    print(f"faces only {search} found (largest per photo): nearest HOG face of")
    print(f"{'photo':<48}{'same person':>12}{'others':>9}")
    for photo in photos:
        if search not in photo.vector or photo.found.get("hog") or photo.found.get("hog960"):
            continue
        vector = photo.vector[search]
        same = min(np.linalg.norm(vector - v) for who, v in references if who == photo.person)
        other = min(np.linalg.norm(vector - v) for who, v in references if who != photo.person)
        print(f"{photo.person + '/' + photo.path.name:<48}{same:>12.3f}{other:>9.3f}")


def main() -> None:
    as_json = "--json" in sys.argv
    os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    config = DlibConfig()
    cnn_settings = CNN_SETTINGS
    if as_json or "--quick" in sys.argv:
        cnn_settings = ((config.cnn_side, config.cnn_upsample),)
    photos = [
        Photo(person.name, path)
        for root in (SPORTS, SEED)
        for person in sorted(root.iterdir())
        for path in sorted(person.iterdir())
    ]
    for photo in photos:
        measure(photo, cnn_settings)
    named = {**orders(cnn_settings), "shipped": shipped_order(config)}
    figures = order_figures(photos, named)
    if as_json:
        print(json.dumps({"photos": len(photos), **figures}))
        return
    print(f"{describe(backend())}; {len(photos)} photos of {SPORTS.name} and {SEED.name}")
    print_orders(figures)
    cnn_only_faces(photos, f"cnn{config.cnn_side}u{config.cnn_upsample}")


if __name__ == "__main__":
    main()
