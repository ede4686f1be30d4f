"""Named feature pipelines: how faces are found and turned into vectors, chosen by name.

A model records its pipeline's name in its manifest, and prediction looks the same name up
here, so training and prediction always featurize the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from featurize.detect import DetectorConfig, detect_faces
from featurize.dlib_faces import DESCRIPTOR_DIM, DlibConfig, dlib_analyze
from featurize.features import SEED_DIM, seed_vector
from featurize.results import Analysis, FaceFeatures


@dataclass(frozen=True)
class Pipeline:
    name: str
    analyze: Callable[[np.ndarray], Analysis]
    dim: int
    open_set: bool = False  # vectors comparable by distance: strangers are told by distance


def haar_analyze(
    image: np.ndarray, detector: DetectorConfig, vectorize: Callable[[np.ndarray], np.ndarray]
) -> Analysis:
    """Haar faces; those with enough eyes are cropped and vectorized (largest first)."""
    detections = detect_faces(image, detector)
    faces = [
        FaceFeatures(
            d.box, vectorize(image[d.box.y : d.box.y + d.box.h, d.box.x : d.box.x + d.box.w])
        )
        for d in detections
        if len(d.eyes) >= detector.min_eyes
    ]
    return Analysis(detections, faces)


PIPELINES: dict[str, Pipeline] = {
    # Haar face (1.3, 5) with >= 2 Haar eyes; 32x32 BGR + 32x32 db1 wavelet image.
    "seed": Pipeline(
        name="seed",
        analyze=partial(haar_analyze, detector=DetectorConfig(), vectorize=seed_vector),
        dim=SEED_DIM,
    ),
    # HOG on colour (<= 480 px enlarged 25/18, then <= 960 px enlarged 2), the CNN where HOG
    # finds none, 5-point alignment, 128-d ResNet descriptor.
    "dlib": Pipeline(
        name="dlib",
        analyze=partial(dlib_analyze, config=DlibConfig()),
        dim=DESCRIPTOR_DIM,
        open_set=True,
    ),
}


def get_pipeline(name: str) -> Pipeline:
    """The pipeline called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PIPELINES[name]
    except KeyError:
        raise ValueError(f"unknown feature pipeline {name!r}; known: {sorted(PIPELINES)}") from None


def analyze(image: np.ndarray, pipeline: Pipeline) -> Analysis:
    """Find and featurize the faces of a BGR image with ``pipeline``."""
    return pipeline.analyze(image)
