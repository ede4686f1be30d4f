"""Before/after of the dlib speed-ups of issue 14, and the headline ratio, in one run.

- the BLAS build (``scripts/build-dlib-wheel``) vs the PyPI ``dlib-bin`` wheel, per stage:
  each build in its own process, alternating (``bench.dlib_builds``);
- one OpenBLAS thread per process vs two: per stage in one process on both cores, and a pool
  of two processes (one per core) over all sports photos;
- the CNN fallback: coverage and cost on both datasets, with the faces only the CNN found
  (``bench.cnn_fallback``, run in a process of the BLAS build);
- the headline: median ms per photo (decode + find + featurize, CPU time on core 0) of the
  shipped dlib pipeline over the seed pipeline, photo by photo in turn in this process, with
  whichever dlib this venv has installed (on CI: the BLAS build).

Usage: python -m bench.speedups_dlib   (about 15 minutes)
"""

import statistics
import time
from collections.abc import Callable

from bench.before_after import Row, print_table
from bench.dlib_builds import alternate, builds, run_json
from bench.limit import photo_bytes
from featurize import decode_image
from featurize.dlib_backend import backend, describe
from featurize.opencv import cv2
from featurize.pipelines import PIPELINES
from tests.conftest import SEED, SPORTS

STAGES = {"hog": "HOG 480 px", "landmarks": "landmarks", "descriptor": "descriptor", "cnn": "CNN"}


def build_rows(folders: dict, rounds: int) -> list[Row]:
    runs = {
        name: {"module": "bench.dlib_stages", "args": (), "path": f} for name, f in folders.items()
    }
    medians = alternate(runs, rounds)
    before, after = medians["dlib-bin (PyPI)"], medians["BLAS build"]
    return [
        Row(
            f"BLAS build, not dlib-bin: {label}",
            before[key],
            after[key],
            "ms/call",
            f"CPU time, core 0, median of {rounds} alternating processes",
        )
        for key, label in STAGES.items()
    ]


def thread_rows(blas, rounds: int) -> list[Row]:
    runs = {
        n: {
            "module": "bench.dlib_stages",
            "args": ("--wall",),
            "path": blas,
            "env": {"OPENBLAS_NUM_THREADS": str(n)},
        }
        for n in (2, 1)
    }
    medians = alternate(runs, rounds)
    rows = [
        Row(
            f"1 BLAS thread, not 2: {STAGES[key]}",
            medians[2][key],
            medians[1][key],
            "ms/call",
            "one process, both cores, wall clock",
        )
        for key in ("descriptor", "cnn")
    ]
    pools = {n: [] for n in (2, 1)}
    for _ in range(rounds):
        for n in pools:
            pools[n].append(
                run_json("bench.pool_rate", path=blas, OPENBLAS_NUM_THREADS=str(n))["rate"]
            )
    rows.append(
        Row(
            "1 BLAS thread, not 2: pool of 2 processes",
            statistics.median(pools[2]),
            statistics.median(pools[1]),
            "images/s",
            "all sports photos, shipped model",
        )
    )
    return rows


def fallback_rows(blas) -> list[Row]:
    figures = run_json("bench.cnn_fallback", "--json", path=blas)
    before, after = figures["HOG 480, HOG 960 (before)"], figures["shipped"]
    return [
        Row(
            "CNN fallback where HOG finds nothing: mean",
            before["mean"],
            after["mean"],
            "ms/photo",
            f"coverage {before['coverage']:.3f} -> {after['coverage']:.3f}, "
            f"{figures['photos']} photos, CPU time, core 0",
        ),
        Row("CNN fallback: median", before["median"], after["median"], "ms/photo"),
        Row("CNN fallback: p95", before["p95"], after["p95"], "ms/photo"),
    ]


def _cpu_ms(work: Callable[[], object]) -> float:
    started = time.thread_time()
    work()
    return (time.thread_time() - started) * 1000


def headline() -> tuple[float, float, int]:
    """Median CPU ms per photo of the seed and of the shipped pipeline, photo by photo."""
    import os

    os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    seed, shipped = PIPELINES["seed"].analyze, PIPELINES["dlib"].analyze
    photos = photo_bytes(SPORTS) + photo_bytes(SEED)
    seed(decode_image(photos[0]))
    shipped(decode_image(photos[0]))  # detectors built before timing
    seed_ms, shipped_ms = [], []
    for data in photos:
        seed_ms.append(_cpu_ms(lambda data=data: seed(decode_image(data))))
        shipped_ms.append(_cpu_ms(lambda data=data: shipped(decode_image(data))))
    return statistics.median(seed_ms), statistics.median(shipped_ms), len(photos)


def main(rounds: int = 3) -> None:
    folders = builds()
    blas = folders["BLAS build"]
    rows = [*build_rows(folders, rounds), *thread_rows(blas, rounds), *fallback_rows(blas)]
    print_table("before/after of the dlib speed-ups", rows)
    seed_ms, shipped_ms, count = headline()
    print(
        f"\nheadline ({describe(backend())}; {count} photos, CPU ms on core 0, medians):\n"
        f"  seed pipeline {seed_ms:.1f} ms, shipped pipeline {shipped_ms:.1f} ms: "
        f"{shipped_ms / seed_ms:.2f}x the seed"
    )


if __name__ == "__main__":
    main()
