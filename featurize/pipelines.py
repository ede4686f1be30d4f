"""Named feature pipelines: how faces are found and turned into vectors, chosen by name.

A model records its pipeline's name in its manifest, and prediction looks the same name up
here, so training and prediction always featurize the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from featurize.detect import Box, Detection, DetectorConfig, detect_faces
from featurize.features import SEED_DIM, seed_vector


@dataclass(frozen=True)
class Pipeline:
    name: str
    detector: DetectorConfig
    vectorize: Callable[[np.ndarray], np.ndarray]
    dim: int
    description: str


@dataclass(frozen=True)
class FaceFeatures:
    """A usable face: its box in the original image and its feature vector."""

    box: Box
    vector: np.ndarray


@dataclass(frozen=True)
class Analysis:
    """What one photo holds: every face the cascade saw and the usable ones, featurized."""

    detections: list[Detection]
    faces: list[FaceFeatures]


PIPELINES: dict[str, Pipeline] = {
    "seed": Pipeline(
        name="seed",
        detector=DetectorConfig(),
        vectorize=seed_vector,
        dim=SEED_DIM,
        description="Haar face (1.3, 5) + >=2 Haar eyes; 32x32 BGR + 32x32 db1 wavelet image",
    ),
}


def get_pipeline(name: str) -> Pipeline:
    """The pipeline called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PIPELINES[name]
    except KeyError:
        raise ValueError(f"unknown feature pipeline {name!r}; known: {sorted(PIPELINES)}") from None


def analyze(image: np.ndarray, pipeline: Pipeline) -> Analysis:
    """Detect faces in a BGR image and featurize those with enough eyes (largest first)."""
    detections = detect_faces(image, pipeline.detector)
    faces = [
        FaceFeatures(
            d.box,
            pipeline.vectorize(image[d.box.y : d.box.y + d.box.h, d.box.x : d.box.x + d.box.w]),
        )
        for d in detections
        if len(d.eyes) >= pipeline.detector.min_eyes
    ]
    return Analysis(detections, faces)
