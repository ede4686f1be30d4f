"""Where the first HOG pass searches: what each setting costs a photo and what it does to
naming people right, in one run.

The first HOG pass is most of a photo's CPU time, so it is where the speed target would be
met; but the boxes it places decide how well the descriptor is aligned. Per setting: every
photo of both datasets is described (median CPU ms per photo on one core, decode excluded,
beside the seed pipeline's on the same photos), then judged by ``bench.unknown_rule``'s
cross-validation, five known people and nine known people (figures: mean ± sd over folds).

Usage: python -m bench.face_search_variants   (about 20 minutes, on one core)
"""

import os
import statistics
from dataclasses import replace
from functools import partial

import numpy as np

from bench.unknown_rule import describe_all, five_known_runs, nine_known_runs
from featurize import get_pipeline
from featurize.dlib_faces import DlibConfig, dlib_analyze
from featurize.opencv import cv2

VARIANTS = {
    "<= 480 px, x25/18: faces from 58 px (shipped)": DlibConfig(),
    "<= 480 px, x2: faces from 40 px (levels searched to 2026-12-03)": DlibConfig(enlarge=2.0),
    "<= 480 px, x5/3: faces from 48 px": DlibConfig(enlarge=5 / 3),
    "<= 480 px, x125/108: faces from 69 px": DlibConfig(enlarge=125 / 108),
}
SHOWN = (
    "threshold",
    "coverage",
    "accuracy on found",
    "one-face photos named right",
    "wrong names /100 one-face",
)


def cell(runs: list[dict], metric: str) -> str:
    values = np.array([run["after"][metric] for run in runs])
    return f"{values.mean():.3f} ± {values.std():.3f}"


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    seed_cpu_ms: list[float] = []
    describe_all(get_pipeline("seed"), seed_cpu_ms)  # the same photos, timed the same way
    seed_ms = statistics.median(seed_cpu_ms)
    print(
        f"seed pipeline: {seed_ms:.1f} ms median, {statistics.mean(seed_cpu_ms):.1f} ms mean "
        "per photo\n"
    )
    print(
        "| first HOG pass | median ms | ratio to seed | mean ms | setup | "
        + " | ".join(SHOWN)
        + " |"
    )
    print("|---|---:|---:|---:|---|" + "---|" * len(SHOWN))
    for name, config in VARIANTS.items():
        pipeline = replace(get_pipeline("dlib"), analyze=partial(dlib_analyze, config=config))
        cpu_ms: list[float] = []
        photos = describe_all(pipeline, cpu_ms)
        median, mean = statistics.median(cpu_ms), statistics.mean(cpu_ms)
        for setup, runs in (("five", five_known_runs(photos)), ("nine", nine_known_runs(photos))):
            cells = " | ".join(cell(runs, metric) for metric in SHOWN)
            print(
                f"| {name} | {median:.1f} | {median / seed_ms:.2f}x | {mean:.1f} | {setup} "
                f"| {cells} |"
            )


if __name__ == "__main__":
    main()
