"""dlib's face pipeline: HOG face detector, 5-point alignment, 128-d ResNet face descriptor.

The models ship inside the ``face-recognition-models`` package (nothing is downloaded at run
time). Descriptors of one person lie close together (Euclidean distance well under 0.6), which
is what lets celebclf answer ``unknown`` for strangers.
"""

from dataclasses import dataclass

import numpy as np

from featurize.detect import scale_box, shrink
from featurize.opencv import cv2
from featurize.per_thread import per_thread
from featurize.results import Analysis, Box, Detection, FaceFeatures, clip

DESCRIPTOR_DIM = 128


@dataclass(frozen=True)
class DlibConfig:
    """``max_detect_side`` downscales the photo for the HOG search; ``upsample`` then enlarges
    it so small faces are found (each step doubles the cost). Photos where nothing is found are
    searched again at ``fallback_side``: it costs only where the fast pass failed.
    Chosen on the train split: see docs/model-report.md."""

    upsample: int = 1
    max_detect_side: int | None = 480
    fallback_side: int | None = 960


def _build():
    import dlib
    import face_recognition_models as models

    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(models.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(models.face_recognition_model_location()),
    )


def _models():
    return per_thread("dlib", _build)


def _detect(detector, rgb: np.ndarray, max_side: int | None, upsample: int) -> list[Box]:
    """HOG faces on a copy at most ``max_side`` long, in original pixels, largest first."""
    small, factor = shrink(rgb, max_side)
    height, width = rgb.shape[:2]
    boxes = []
    for rect in detector(small, upsample):
        raw = (rect.left(), rect.top(), rect.width(), rect.height())
        box = clip(scale_box(raw, factor), height, width)
        if box.w > 0 and box.h > 0:
            boxes.append(box)
    return sorted(boxes, key=lambda b: b.w * b.h, reverse=True)


def dlib_analyze(image: np.ndarray, config: DlibConfig) -> Analysis:
    """Every face dlib finds in a BGR image, largest first, each with its 128-d descriptor."""
    import dlib

    detector, predictor, encoder = _models()
    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    boxes = _detect(detector, rgb, config.max_detect_side, config.upsample)
    if not boxes and config.fallback_side and max(rgb.shape[:2]) > (config.max_detect_side or 0):
        boxes = _detect(detector, rgb, config.fallback_side, config.upsample)
    if not boxes:
        return Analysis([], [])
    shapes = dlib.full_object_detections(
        [predictor(rgb, dlib.rectangle(b.x, b.y, b.x + b.w, b.y + b.h)) for b in boxes]
    )
    descriptors = encoder.compute_face_descriptor(rgb, shapes)
    faces = [
        FaceFeatures(box, np.asarray(d, dtype=np.float64))
        for box, d in zip(boxes, descriptors, strict=True)
    ]
    return Analysis([Detection(box) for box in boxes], faces)
