"""The limit: decode + featurize + predict of every real photo in-process, 1 process and a pool
with one process per core. The service can approach this ceiling, not pass it.

Usage: python -m bench.limit [PHOTO_DIR]   (default ../shared/datasets/sports-celebrities)
"""

import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.conftest import SPORTS

_predictor = None


def photo_bytes(root: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()]


def _init(threads: int, model_dir: Path | None) -> None:
    global _predictor
    from featurize.opencv import cv2
    from inference import Predictor, load_model

    cv2.setNumThreads(threads)  # -1: OpenCV's default, one thread per core
    _predictor = Predictor(load_model(model_dir))


def _classify(data: bytes) -> int:
    return len(_predictor.predict_bytes(data).faces)


def run_pool(
    photos: list[bytes], processes: int, threads: int, model_dir: Path | None = None
) -> float:
    """Images per second with ``processes`` worker processes (model loading not timed)."""
    with ProcessPoolExecutor(processes, initializer=_init, initargs=(threads, model_dir)) as pool:
        list(pool.map(_classify, photos[:processes]))  # warm up: models loaded
        started = time.perf_counter()
        list(pool.map(_classify, photos, chunksize=1))
        return len(photos) / (time.perf_counter() - started)


def limit(photos: list[bytes], repeats: int = 1) -> dict[str, float]:
    """Images per second with 1 process and one per core, each the median of ``repeats``."""
    cores = os.cpu_count() or 1
    return {
        f"{n} process{'es' if n > 1 else ''}": statistics.median(
            run_pool(photos, n, 1) for _ in range(repeats)
        )
        for n in (1, cores)
    }


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else SPORTS
    photos = photo_bytes(root)
    figures = limit(photos)
    print(f"the limit: {len(photos)} photos from {root}, decode + detect + describe + predict")
    for name, rate in figures.items():
        print(f"  {name:<12} {rate:6.2f} images/s")
    one, many = figures.values()
    print(f"  pool speed-up: {many / one:.2f}x")


if __name__ == "__main__":
    main()
