"""Named feature pipelines: how faces are found and turned into vectors, chosen by name.

A model records its pipeline's name in its manifest, and prediction looks the same name up
here, so training and prediction always featurize the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np

from featurize.detect import DetectorConfig, detect_faces
from featurize.dlib_faces import DESCRIPTOR_DIM, DlibConfig, dlib_analyze
from featurize.features import SEED_DIM, seed_vector
from featurize.panels import find_panels
from featurize.quality import QualityGate
from featurize.results import Analysis, FaceFeatures
from featurize.yunet_sface import DESCRIPTOR_DIM as SFACE_DIM
from featurize.yunet_sface import YunetConfig, sface_analyze


@dataclass(frozen=True)
class Pipeline:
    name: str
    analyze: Callable[[np.ndarray], Analysis]
    dim: int
    open_set: bool = False  # vectors comparable by distance: strangers are told by distance
    # Open-set only: the distance beyond which a face is never named, however few strangers a
    # small gallery shows (training.gate), and the cap for faces only a fallback detector found.
    gate_prior: float | None = None
    unclear_cap: float | None = None
    # A face's distance to a person is the mean of their ``distance_k`` nearest examples
    # (inference.openset); ``pair_prior`` caps the distance at which two single faces are one
    # person (clusters of unnamed faces), the gate_prior of k = 1.
    distance_k: int = 1
    pair_prior: float | None = None
    # The least a face must show to be learned from (training.cleaning); smaller or blurrier
    # faces in an example photo (a crowd behind the person) neither count nor teach.
    learnable: QualityGate = field(default_factory=QualityGate)
    # The least a face must show to be named at all (inference.naming: ``unclear``), chosen by
    # the per-face cross-validation (bench.per_face); a model's manifest records its own.
    nameable: QualityGate = field(default_factory=QualityGate)


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


# A face is as far from a person as the mean of the three nearest of their examples: that
# kept 0.963 of the known faces where the nearest one kept 0.952, with bystanders named 1.9 %
# against 1.2 % (bench.per_face, docs/model-report.md).
SFACE_K = 3
# The cap for a gallery too small to show how close an outsider comes: the calibration chose
# 1.09-1.14 over the per-face cross-validation's five folds (bystanders as negatives), and past
# 1.14 one-face strangers start being named. For one example (k = 1) it chose 1.03-1.07.
SFACE_PRIOR = 1.14
SFACE_PAIR_PRIOR = 1.07

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
        gate_prior=0.57,
        unclear_cap=0.54,
    ),
    # YuNet on a <= 480 px copy (score >= 0.5), 5-landmark alignment on the full photo, 128-d
    # SFace descriptor, L2-normalised; each face measured for clarity (featurize.quality).
    "sface": Pipeline(
        name="sface",
        analyze=partial(sface_analyze, config=YunetConfig()),
        dim=SFACE_DIM,
        open_set=True,
        gate_prior=SFACE_PRIOR,
        unclear_cap=SFACE_PRIOR,
        distance_k=SFACE_K,
        pair_prior=SFACE_PAIR_PRIOR,
        learnable=QualityGate(min_side=40, min_score=0.6),
        # YuNet's score >= 0.8: chosen on all five folds of bench.per_face (in each fold, chosen
        # on the other four, it named no fewer known faces right and fewer bystanders)
        nameable=QualityGate(min_score=0.8),
    ),
}


def get_pipeline(name: str) -> Pipeline:
    """The pipeline called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PIPELINES[name]
    except KeyError:
        raise ValueError(f"unknown feature pipeline {name!r}; known: {sorted(PIPELINES)}") from None


def analyze(image: np.ndarray, pipeline: Pipeline) -> Analysis:
    """Find and featurize the faces of a BGR image with ``pipeline``; where it holds several,
    say which panel of a collage each is in (featurize.panels)."""
    analysis = pipeline.analyze(image)
    if len(analysis.faces) < 2:
        return analysis
    panels = find_panels(image)
    if not panels.cut:
        return analysis
    faces = [replace(face, panel=panels.of(face.box)) for face in analysis.faces]
    return replace(analysis, faces=faces)
