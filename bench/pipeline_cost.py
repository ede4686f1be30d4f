"""Detect + describe cost per photo of each pipeline, against the seed's, in one run.

Every photo of both datasets is decoded once; then each pipeline analyses it in turn, photo by
photo (so a busy machine slows all of them alike), on one thread, and this thread's CPU time
is taken (decode excluded). Prints each pipeline's median, p95 and max in ms, and its median
as a multiple of the seed's (issue #22's goal for the shipped pipeline: <= 1.0x).

Usage: python -m bench.pipeline_cost [--pipelines seed sface dlib] [--detect-sides 480 640]
"""

import argparse
import json
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from featurize import analyze, decode_image, get_pipeline
from featurize.opencv import cv2
from featurize.yunet_sface import YunetConfig, sface_analyze
from tests.conftest import SEED, SPORTS
from training.dataset import list_photos


def analysers(names: list[str], sides: list[int]) -> dict[str, Callable]:
    # as served: featurize.analyze, with the collage panels of a photo with several faces
    chosen = {name: partial(analyze, pipeline=get_pipeline(name)) for name in names}
    for side in sides:
        config = YunetConfig(max_detect_side=side)
        chosen[f"sface@{side}"] = lambda image, config=config: sface_analyze(image, config)
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", nargs="+", default=["seed", "sface"])
    parser.add_argument("--detect-sides", nargs="*", type=int, default=[480])
    args = parser.parse_args()
    cv2.setNumThreads(1)
    chosen = analysers(args.pipelines, args.detect_sides)
    cpu_ms: dict[str, list[float]] = {name: [] for name in chosen}
    for root in (SPORTS, SEED):
        for photo in list_photos(root):
            try:
                image = decode_image(photo.path.read_bytes())
            except ValueError:
                continue
            for name, analyse in chosen.items():
                started = time.thread_time()
                analyse(image)
                cpu_ms[name].append((time.thread_time() - started) * 1000)
    seed = float(np.median(cpu_ms["seed"])) if "seed" in cpu_ms else None
    for name, values in cpu_ms.items():
        median = float(np.median(values))
        row = {
            "pipeline": name,
            "photos": len(values),
            "median_ms": round(median, 1),
            "p95_ms": round(float(np.percentile(values, 95)), 1),
            "max_ms": round(max(values), 1),
            "x_seed": round(median / seed, 2) if seed else None,
        }
        print(json.dumps(row))


if __name__ == "__main__":
    main()
