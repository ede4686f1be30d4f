"""Where the first HOG pass searches: what each setting costs a photo and what it does to
naming people right, in one run.

The first HOG pass is most of a photo's CPU time, so it is where the speed target would be
met; but the boxes it places decide how well the descriptor is aligned. Per setting: every
photo of both datasets is described (median CPU ms per photo on one core, decode excluded,
beside the seed pipeline's on the same photos), then judged by ``bench.unknown_rule``'s
cross-validation, five known people and nine known people (figures: mean ± sd over folds).

Usage: python -m bench.face_search_variants   (about 25 minutes on 2 cores)
"""

import os
import statistics
import time
from functools import partial

import numpy as np

from bench.limit import photo_bytes
from bench.unknown_rule import describe_all, five_known_runs, nine_known_runs
from featurize import Pipeline, decode_image, get_pipeline
from featurize.dlib_faces import DESCRIPTOR_DIM, DlibConfig, dlib_analyze
from featurize.opencv import cv2
from tests.conftest import SEED, SPORTS

VARIANTS = {
    "<= 480 px, upsample 1 (shipped)": DlibConfig(),
    "<= 400 px, upsample 1": DlibConfig(max_detect_side=400),
    "<= 640 px, upsample 1": DlibConfig(max_detect_side=640),
    "<= 960 px, no upsampling": DlibConfig(upsample=0, max_detect_side=960, fallback_side=None),
}
SHOWN = (
    "threshold",
    "accuracy on found",
    "one-face photos named right",
    "wrong names /100 one-face",
)


def seed_median_ms() -> float:
    """The seed pipeline's median CPU ms per photo over the same photos (decode excluded)."""
    seed, spent = get_pipeline("seed").analyze, []
    for data in photo_bytes(SPORTS) + photo_bytes(SEED):
        try:
            image = decode_image(data)
        except ValueError:
            continue
        started = time.thread_time()
        seed(image)
        spent.append((time.thread_time() - started) * 1000)
    return statistics.median(spent)


def cell(runs: list[dict], metric: str) -> str:
    values = np.array([run["after"][metric] for run in runs])
    return f"{values.mean():.3f} ± {values.std():.3f}"


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    seed_ms = seed_median_ms()
    print(f"seed pipeline: {seed_ms:.1f} ms median per photo\n")
    print("| first HOG pass | median ms | ratio to seed | setup | " + " | ".join(SHOWN) + " |")
    print("|---|---:|---:|---|" + "---|" * len(SHOWN))
    for name, config in VARIANTS.items():
        pipeline = Pipeline(
            name="dlib",
            analyze=partial(dlib_analyze, config=config),
            dim=DESCRIPTOR_DIM,
            open_set=True,
        )
        cpu_ms: list[float] = []
        photos = describe_all(pipeline, cpu_ms)
        median = statistics.median(cpu_ms)
        for setup, runs in (("five", five_known_runs(photos)), ("nine", nine_known_runs(photos))):
            cells = " | ".join(cell(runs, metric) for metric in SHOWN)
            print(f"| {name} | {median:.1f} | {median / seed_ms:.2f}x | {setup} | {cells} |")


if __name__ == "__main__":
    main()
