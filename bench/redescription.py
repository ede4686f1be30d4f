"""How often an example enrolled on dlib can be described again by the ``sface`` pipeline.

Every photo of the shared datasets is enrolled as the service did before contexts were kept
(dlib's ``judge``, the tight crop as a <= 160 px JPEG); YuNet + SFace then look for the face in
that crop padded by half its size (``featurize.redescribe``), and in the 2x context that
enrolment keeps now (<= 256 px JPEG). For each: the share found again, and the distance of
its SFace descriptor to the one SFace gives on the whole photo (same face: about 0 - 0.6).

Usage: python -m bench.redescription   (about 3 minutes on one core)
"""

from pathlib import Path

import numpy as np

from featurize import decode_image, get_pipeline
from featurize.decode import encode_jpeg
from featurize.redescribe import CONTEXT_SIDE, context_of, context_of_crop, describe_context
from training.cleaning import KEPT, judge

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
CROP_SIDE = 160  # tasks.enrolment.CROP_SIDE


def _roundtrip(image: np.ndarray, side: int) -> np.ndarray:
    return decode_image(encode_jpeg(image, side))


def main() -> None:
    dlib, sface = get_pipeline("dlib"), get_pipeline("sface")
    found = {"tight crop, padded": [], "2x context": []}
    enrolled = 0
    for path in sorted(p for p in DATASETS.rglob("*") if p.is_file()):
        data = path.read_bytes()
        old = judge(data, dlib)
        if old.reason != KEPT:
            continue
        enrolled += 1
        whole = judge(data, sface)
        reference = whole.vector if whole.reason == KEPT else None
        image = decode_image(data)
        contexts = {
            "tight crop, padded": context_of_crop(_roundtrip(old.crop, CROP_SIDE)),
            "2x context": _roundtrip(context_of(image, old.box), CONTEXT_SIDE),
        }
        for name, context in contexts.items():
            vector = describe_context(context, sface)
            distance = (
                float(np.linalg.norm(vector - reference))
                if vector is not None and reference is not None
                else None
            )
            found[name].append((vector is not None, distance))
    print(f"photos enrolled by dlib (one usable face): {enrolled}")
    for name, rows in found.items():
        hits = sum(ok for ok, _ in rows)
        distances = [d for _, d in rows if d is not None]
        print(
            f"{name:20s} found again {hits}/{len(rows)} ({100 * hits / len(rows):.1f} %); "
            f"distance to the whole photo's SFace descriptor: median {np.median(distances):.3f}, "
            f"p95 {np.percentile(distances, 95):.3f}, over 0.8: {sum(d > 0.8 for d in distances)}"
        )


if __name__ == "__main__":
    main()
