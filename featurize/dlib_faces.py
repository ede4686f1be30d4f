"""dlib's face pipeline: HOG face detector, 5-point alignment, 128-d ResNet face descriptor.

The models ship inside the ``face-recognition-models`` package (nothing is downloaded at run
time). Descriptors of one person lie close together (Euclidean distance well under 0.6), which
is what lets celebclf answer ``unknown`` for strangers.
"""

from dataclasses import dataclass

import numpy as np

from featurize.detect import scale_box, shrink
from featurize.dlib_backend import load_dlib
from featurize.opencv import cv2
from featurize.per_thread import per_thread
from featurize.results import Analysis, Box, Detection, FaceFeatures, clip

DESCRIPTOR_DIM = 128


@dataclass(frozen=True)
class DlibConfig:
    """``max_detect_side`` downscales the photo for the HOG search; the copy is then enlarged
    ``enlarge`` times, which sets the smallest face found: HOG's window is 80 px, so faces
    down to 80 / ``enlarge`` px of the copy. 25/18 searches the pyramid of dlib's own
    upsample-by-2 (levels 5/6 apart) less its two largest, costliest levels (half the
    search): faces from 58 px of a 480 px copy; cross-validated it names people as well or
    better at two thirds of the cost. Photos where nothing is found are searched again at
    ``fallback_side`` (every level of an upsample-by-2), then by the CNN detector on a copy
    at most ``cnn_side`` long (None: no CNN): each costs only where the cheaper passes
    failed, and the downscale bounds the CNN's memory. Chosen by coverage, time and
    cross-validated naming: docs/model-report.md."""

    max_detect_side: int | None = 480
    enlarge: float = 25 / 18
    fallback_side: int | None = 960
    fallback_enlarge: float = 2.0
    cnn_side: int | None = 400
    cnn_upsample: int = 1


def _build():
    import face_recognition_models as models

    dlib = load_dlib()
    return (
        dlib.get_frontal_face_detector(),
        dlib.shape_predictor(models.pose_predictor_five_point_model_location()),
        dlib.face_recognition_model_v1(models.face_recognition_model_location()),
    )


def dlib_models():
    """HOG detector, 5-point shape predictor and descriptor network of this thread."""
    return per_thread("dlib", _build)


def _build_cnn():
    import face_recognition_models as models

    return load_dlib().cnn_face_detection_model_v1(models.cnn_face_detector_model_location())


def cnn_detector():
    """dlib's CNN (mmod) face detector of this thread, built on first use."""
    return per_thread("dlib-cnn", _build_cnn)


def _in_original(rects, factor: float, shape: tuple[int, ...]) -> list[Box]:
    """dlib rectangles found on a copy scaled by ``factor``, as boxes in the original image."""
    boxes = []
    for rect in rects:
        raw = (rect.left(), rect.top(), rect.width(), rect.height())
        box = clip(scale_box(raw, factor), shape[0], shape[1])
        if box.w > 0 and box.h > 0:
            boxes.append(box)
    return sorted(boxes, key=lambda b: b.w * b.h, reverse=True)


def hog_boxes(rgb: np.ndarray, max_side: int | None, enlarge: float) -> list[Box]:
    """HOG faces of an RGB image, searched on a copy at most ``max_side`` long enlarged
    ``enlarge`` times (OpenCV's bilinear: cheaper than dlib's own upsampling, same faces), in
    original pixels, largest first. Colour, not grey: grey is 20 % faster and finds a face in
    the same photos, but places some boxes differently, and the descriptors aligned from them
    are worse: cross-validated, known faces kept fell from 0.970 to 0.942 and the calibrated
    threshold from 0.566 to 0.542 (docs/model-report.md)."""
    small, factor = shrink(rgb, max_side)
    size = (round(small.shape[1] * enlarge), round(small.shape[0] * enlarge))
    searched = small if enlarge == 1 else cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    factor *= searched.shape[1] / small.shape[1]
    return _in_original(dlib_models()[0](searched, 0), factor, rgb.shape)


def _distinct(detections) -> list:
    """mmod detections, most confident first, less those mostly covering a kept one: faces do
    not nest, and the CNN sometimes adds a loose, less confident box around a face it found."""
    kept: list = []
    for found in sorted(detections, key=lambda d: d.confidence, reverse=True):
        rect = found.rect
        if all(rect.intersect(k).area() < 0.5 * min(rect.area(), k.area()) for k in kept):
            kept.append(rect)
    return kept


CNN_MIN_SIDE = 20  # the CNN finds faces of 40 px and more (80 px window, upsampled once)


def cnn_boxes(rgb: np.ndarray, max_side: int | None, upsample: int) -> list[Box]:
    """CNN (mmod) faces of an RGB image, searched on a copy at most ``max_side`` long, in
    original pixels, largest first."""
    small, factor = shrink(rgb, max_side)
    if min(small.shape[:2]) < CNN_MIN_SIDE:  # no face fits; dlib raises on a 3 x 3 image
        return []
    return _in_original(_distinct(cnn_detector()(small, upsample)), factor, rgb.shape)


def find_faces(rgb: np.ndarray, config: DlibConfig) -> tuple[list[Box], bool]:
    """Face boxes of an RGB image: HOG, then HOG larger, then the CNN, each only if needed;
    and whether they are clear (found by HOG, not only by the CNN)."""
    boxes = hog_boxes(rgb, config.max_detect_side, config.enlarge)
    if not boxes and config.fallback_side and max(rgb.shape[:2]) > (config.max_detect_side or 0):
        boxes = hog_boxes(rgb, config.fallback_side, config.fallback_enlarge)
    if not boxes and config.cnn_side:
        return cnn_boxes(rgb, config.cnn_side, config.cnn_upsample), False
    return boxes, True


def dlib_analyze(image: np.ndarray, config: DlibConfig) -> Analysis:
    """Every face dlib finds in a BGR image, largest first, each with its 128-d descriptor."""
    dlib = load_dlib()
    _, predictor, encoder = dlib_models()
    rgb = np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    boxes, clear = find_faces(rgb, config)
    if not boxes:
        return Analysis([], [])
    shapes = dlib.full_object_detections(
        [predictor(rgb, dlib.rectangle(b.x, b.y, b.x + b.w, b.y + b.h)) for b in boxes]
    )
    descriptors = encoder.compute_face_descriptor(rgb, shapes)
    faces = [
        FaceFeatures(box, np.asarray(d, dtype=np.float64), clear)
        for box, d in zip(boxes, descriptors, strict=True)
    ]
    return Analysis([Detection(box) for box in boxes], faces)
