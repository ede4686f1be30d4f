"""What each dlib stage costs with the dlib build this process loads, on real photos.

Stages as the dlib pipeline ran them until 2026-12-03 (kept so builds compare as before): HOG
detection on a colour copy <= 480 px (upsample 1), the 5-point landmarks and the 128-d
descriptor of each face found, and the CNN (mmod) detector on a copy <= 512 px (upsample 0).
Prints one JSON object: the backend, then per stage the median milliseconds per call.
``bench.dlib_builds`` runs this in a subprocess per build, alternating, with PYTHONPATH putting
that build's dlib first.

By default the process pins itself to core 0 and times each call by this thread's CPU time, so
other work on the machine does not count. ``--wall`` times by the clock on both cores instead:
for comparing OpenBLAS thread counts, whose helper threads the CPU time of one thread misses.

Usage: python -m bench.dlib_stages [--every N] [--cnn-photos N] [--wall]
"""

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable

from bench.limit import photo_bytes
from featurize import decode_image
from featurize.detect import shrink
from featurize.dlib_backend import backend, load_dlib
from featurize.dlib_faces import cnn_detector, dlib_models
from featurize.opencv import cv2
from tests.conftest import SPORTS


def stage_ms(every: int, cnn_photos: int, clock: Callable[[], float]) -> dict[str, float]:
    """Median ms per call of each stage over every ``every``-th sports photo."""
    dlib = load_dlib()
    detector, predictor, encoder = dlib_models()
    cnn = cnn_detector()
    times: dict[str, list[float]] = {"hog": [], "landmarks": [], "descriptor": [], "cnn": []}

    def timed(stage: str, work: Callable[[], object]) -> object:
        started = clock()
        result = work()
        times[stage].append((clock() - started) * 1000)
        return result

    images = [decode_image(data) for data in photo_bytes(SPORTS)[::every]]
    for index, image in enumerate(images):
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        small = shrink(rgb, 480)[0]
        for rect in timed("hog", lambda small=small: detector(small, 1)):
            shape = timed("landmarks", lambda rect=rect, small=small: predictor(small, rect))
            timed(
                "descriptor", lambda s=shape, small=small: encoder.compute_face_descriptor(small, s)
            )
        if index < cnn_photos:
            timed("cnn", lambda rgb=rgb: cnn(shrink(rgb, 512)[0], 0))
    assert dlib.DLIB_USE_CUDA is False  # a CPU figure
    return {name: round(statistics.median(values), 2) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=8, help="every Nth sports photo")
    parser.add_argument("--cnn-photos", type=int, default=8, help="photos the CNN runs on")
    parser.add_argument("--wall", action="store_true", help="wall clock, both cores")
    args = parser.parse_args()
    if not args.wall:
        os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    clock = time.perf_counter if args.wall else time.thread_time
    ms = stage_ms(args.every, args.cnn_photos, clock)
    print(json.dumps({"backend": backend(), "ms": ms}))


if __name__ == "__main__":
    main()
