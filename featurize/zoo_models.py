"""OpenCV Zoo's YuNet face detector and SFace face descriptor, carried in ``featurize/weights``.

Both are int8 block-quantised ONNX files (Apache-2.0, ``featurize/weights/NOTICE``) that
OpenCV's own ``cv2.FaceDetectorYN`` and ``cv2.FaceRecognizerSF`` run: nothing is downloaded
at run time, and no package beyond OpenCV is needed. Each file's SHA-256 is checked before
OpenCV reads it, so a swapped or truncated file fails loudly instead of answering wrongly.
"""

import hashlib
from pathlib import Path

from featurize.opencv import cv2
from featurize.per_thread import per_thread

WEIGHTS = Path(__file__).with_name("weights")
YUNET_FILE = "face_detection_yunet_2023mar_int8bq.onnx"
SFACE_FILE = "face_recognition_sface_2021dec_int8bq.onnx"
SHA256 = {
    YUNET_FILE: "49f000ec501fef24739071fc7e68267d32209045b6822c0c72dce1da25726f10",
    SFACE_FILE: "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
}


class WeightsError(RuntimeError):
    """A weights file is missing or is not the one the project was measured with."""


def verified_path(name: str) -> str:
    """The path of a carried weights file, after checking its SHA-256."""
    path = WEIGHTS / name
    if not path.is_file():
        raise WeightsError(f"face model weights missing: {path} (reinstall celebclf)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256[name]:
        raise WeightsError(f"refusing {path}: SHA-256 {digest} is not the expected {SHA256[name]}")
    return str(path)


def yunet(score_threshold: float) -> "cv2.FaceDetectorYN":
    """This thread's YuNet detector; the input size is set per image by the caller."""
    return per_thread(
        f"yunet:{score_threshold}",
        lambda: cv2.FaceDetectorYN.create(
            verified_path(YUNET_FILE), "", (320, 320), score_threshold, 0.3, 5000
        ),
    )


def sface() -> "cv2.FaceRecognizerSF":
    """This thread's SFace recogniser (``alignCrop`` to 112 x 112, then ``feature``)."""
    return per_thread("sface", lambda: cv2.FaceRecognizerSF.create(verified_path(SFACE_FILE), ""))
