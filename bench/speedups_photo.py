"""Before/after of each per-photo speed-up, both measured in one run on the real photos.

"Before" is the seed's way of doing the step, "after" is what the service ships. Each row runs
the same photos both ways in this process, one OpenCV thread, unless the row is about threads:

- detector objects (Haar cascades; dlib's detector and networks) built once per process, not
  for every photo: "before" runs each photo on a fresh thread, which builds them again (they
  are cached per thread, being unsafe to share);
- the model loaded once per process, not for every photo;
- detection on a copy downscaled to the pipeline's ``max_detect_side``, not at full resolution,
  and (Haar) no search for faces under ``min_face_side`` px in that copy; with the usable faces
  both ways find (one counts as kept when a box of the faster way overlaps it, IoU >= 0.5);
- one ``predict_proba`` per photo, not ``predict`` + ``predict_proba`` per face;
- one OpenCV thread per pool process, not OpenCV's default of a thread per core in each.

Slow "before" rows (dlib at full resolution, models per photo) run on every third photo.
The dlib build, BLAS threads and the CNN fallback have their own: ``bench.speedups_dlib``.
Usage: python -m bench.speedups_photo   (about 8 minutes)
"""

import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from bench.before_after import Row, print_table
from bench.limit import photo_bytes, run_pool
from featurize import decode_image
from featurize.detect import DetectorConfig
from featurize.dlib_faces import DlibConfig, dlib_analyze
from featurize.features import seed_vector
from featurize.opencv import cv2
from featurize.pipelines import PIPELINES, haar_analyze
from featurize.results import Analysis
from inference import Predictor, load_model
from tests.conftest import SPORTS


def ms_per_item(work: Callable, items: Sequence) -> float:
    started = time.perf_counter()
    for item in items:
        work(item)
    return (time.perf_counter() - started) / len(items) * 1000


def on_fresh_thread(work: Callable) -> Callable:
    """``work`` run on a new thread each call, so per-thread detector objects are rebuilt."""

    def run(item) -> None:
        thread = threading.Thread(target=work, args=(item,))
        thread.start()
        thread.join()

    return run


def faces_kept(full: list[Analysis], downscaled: list[Analysis]) -> str:
    """How many of the usable faces found before the faster search found too."""
    found = sum(len(a.faces) for a in full)
    kept = sum(
        any(f.box.iou(g.box) >= 0.5 for g in small.faces)
        for big, small in zip(full, downscaled, strict=True)
        for f in big.faces
    )
    new = sum(len(a.faces) for a in downscaled) - kept
    return f"usable faces: {found} before, {kept} of them kept, {new} others found"


def timed_analyses(analyze: Callable, images: list[np.ndarray]) -> tuple[float, list[Analysis]]:
    results: list[Analysis] = []
    ms = ms_per_item(lambda image: results.append(analyze(image)), images)
    return ms, results


def detection_rows(images: list[np.ndarray], sample: list[np.ndarray]) -> list[Row]:
    seed, dlib = PIPELINES["seed"].analyze, PIPELINES["dlib"].analyze
    rows = []
    for name, analyze, photos in (("Haar cascades", seed, images), ("dlib models", dlib, sample)):
        analyze(photos[0])  # built once for this thread
        rows.append(
            Row(
                f"{name} built once per process",
                ms_per_item(on_fresh_thread(analyze), photos),
                ms_per_item(analyze, photos),
                "ms/photo",
                f"{len(photos)} photos",
            )
        )
    shipped = DetectorConfig()
    seed_way = replace(shipped, max_detect_side=None, max_eye_side=None, min_face_side=0)
    downscaled = replace(shipped, min_face_side=0)
    haar = {
        config: timed_analyses(
            partial(haar_analyze, detector=config, vectorize=seed_vector), images
        )
        for config in (seed_way, downscaled, shipped)
    }
    dlib_way = {
        config: timed_analyses(partial(dlib_analyze, config=config), sample)
        for config in (DlibConfig(max_detect_side=None, fallback_side=None), DlibConfig())
    }
    for name, (before_ms, before), (after_ms, after) in (
        (
            f"Haar search at <= {shipped.max_detect_side} px, eyes at <= {shipped.max_eye_side}",
            haar[seed_way],
            haar[downscaled],
        ),
        (f"Haar search skips faces < {shipped.min_face_side} px", haar[downscaled], haar[shipped]),
        (
            f"dlib search at <= {DlibConfig().max_detect_side} px "
            f"(retry at {DlibConfig().fallback_side})",
            *dlib_way.values(),
        ),
    ):
        rows.append(Row(name, before_ms, after_ms, "ms/photo", faces_kept(before, after)))
    return rows


def predict_rows(images: list[np.ndarray], models: dict[str, Path | None]) -> list[Row]:
    rows = []
    for name, model_dir in models.items():
        bundle = load_model(model_dir)
        matrices = [
            np.stack([f.vector for f in faces])
            for image in images
            if (faces := bundle.pipeline.analyze(image).faces)
        ]
        estimator = bundle.estimator

        def per_face(matrix: np.ndarray, estimator=estimator) -> None:
            for row in matrix:
                estimator.predict(row[None])
                estimator.predict_proba(row[None])

        rows.append(
            Row(
                f"one predict_proba per photo ({name})",
                ms_per_item(per_face, matrices),
                ms_per_item(estimator.predict_proba, matrices),
                "ms/photo",
                f"{len(matrices)} photos with faces, {sum(map(len, matrices))} faces",
            )
        )
    return rows


def model_load_row(photos: list[bytes]) -> Row:
    predictor = Predictor(load_model())
    predictor.predict_bytes(photos[0])
    return Row(
        "model loaded once per process (shipped)",
        ms_per_item(lambda data: Predictor(load_model()).predict_bytes(data), photos),
        ms_per_item(predictor.predict_bytes, photos),
        "ms/photo",
        f"{len(photos)} photos",
    )


def thread_rows(photos: list[bytes], models: dict[str, Path | None]) -> list[Row]:
    return [
        Row(
            f"1 OpenCV thread per pool process ({name})",
            run_pool(photos, 2, -1, model_dir),
            run_pool(photos, 2, 1, model_dir),
            "images/s",
            "pool of 2 processes; before: OpenCV's default, 2 threads each",
        )
        for name, model_dir in models.items()
    ]


def main() -> None:
    from training.train import TrainingConfig, train

    cv2.setNumThreads(1)
    photos = photo_bytes(SPORTS)
    images = [decode_image(data) for data in photos]
    sample_photos, sample = photos[::3], images[::3]
    with tempfile.TemporaryDirectory() as seed_dir:
        train(TrainingConfig(SPORTS, Path(seed_dir), pipeline="seed", progress=False))
        models = {"seed model": Path(seed_dir), "shipped dlib model": None}
        rows = [
            *detection_rows(images, sample),
            model_load_row(sample_photos),
            *predict_rows(images, models),
            *thread_rows(photos, models),
        ]
    print_table(f"before = the seed's way, after = shipped; {len(photos)} photos", rows)


if __name__ == "__main__":
    main()
