"""What finding a face's nearest stored faces costs, by the size of the owner's gallery:
brute force, one float32 matrix product per photo against every stored descriptor.

Issue 23's bar: an index only if brute force misses 10 ms a face at 100,000 descriptors.
Per size, the gallery (synthetic unit descriptors, training.synthetic; cost does not depend
on who is in it) is held as a float32 matrix with its squared norms; a query is one face or a
photo of five, each answered with its 10 nearest (distance, row), nearest first. Timed on one
core: median and p95 wall ms per face over QUERIES queries, and the median CPU ms (this
thread's), which a loaded machine inflates less than wall time.

Usage: python -m bench.gallery_search [--sizes 1000,10000,100000]
One JSON line per size and query: descriptors, faces_per_query, ms_per_face_median,
ms_per_face_p95, cpu_ms_per_face_median.
"""

import json
import sys
import time

import numpy as np

from training.synthetic import clustered_descriptors

SIZES = (1_000, 10_000, 100_000)
QUERIES = 200
NEAREST = 10


def nearest(
    faces: np.ndarray, gallery: np.ndarray, norms: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(faces, NEAREST) distances and gallery rows, nearest first."""
    squared = norms - 2 * (faces @ gallery.T)
    rows = np.argpartition(squared, NEAREST, axis=1)[:, :NEAREST]
    picked = np.take_along_axis(squared, rows, axis=1)
    order = np.argsort(picked, axis=1)
    rows = np.take_along_axis(rows, order, axis=1)
    picked = (
        np.take_along_axis(picked, order, axis=1) + np.einsum("ij,ij->i", faces, faces)[:, None]
    )
    return np.sqrt(np.maximum(picked, 0)), rows


def measure(size: int, faces_per_query: int, rng: np.random.Generator) -> dict:
    gallery, _ = clustered_descriptors(size, max(2, size // 50), rng)
    norms = np.einsum("ij,ij->i", gallery, gallery)
    queries, _ = clustered_descriptors(QUERIES * faces_per_query, 100, rng)
    ms, cpu_ms = [], []
    for k in range(QUERIES):
        faces = queries[k * faces_per_query : (k + 1) * faces_per_query]
        started, cpu_started = time.perf_counter(), time.thread_time()
        nearest(faces, gallery, norms)
        ms.append((time.perf_counter() - started) * 1000 / faces_per_query)
        cpu_ms.append((time.thread_time() - cpu_started) * 1000 / faces_per_query)
    return {"descriptors": size, "faces_per_query": faces_per_query,
            "ms_per_face_median": round(float(np.median(ms)), 3),
            "ms_per_face_p95": round(float(np.percentile(ms, 95)), 3),
            "cpu_ms_per_face_median": round(float(np.median(cpu_ms)), 3)}  # fmt: skip


def main() -> None:
    sizes = SIZES
    if "--sizes" in sys.argv:
        sizes = [int(v) for v in sys.argv[sys.argv.index("--sizes") + 1].split(",")]
    rng = np.random.default_rng(0)
    for size in sizes:
        for faces_per_query in (1, 5):
            print(json.dumps(measure(size, faces_per_query, rng)), flush=True)


if __name__ == "__main__":
    main()
