"""The one place the project imports OpenCV, so the decoder's pixel limit is in force first.

OpenCV reads ``OPENCV_IO_MAX_IMAGE_PIXELS`` once, when ``cv2`` is imported; setting it later does
nothing, and the library default (2**30 pixels) lets a tiny PNG "bomb" take gigabytes and tens of
seconds to decode. Every module that needs OpenCV imports ``cv2`` from here.
"""

import logging
import os
import sys

DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

if "cv2" in sys.modules:  # pragma: no cover - depends on import order of the host program
    logging.getLogger(__name__).warning(
        "cv2 was imported before featurize: the decoder pixel limit may not be in force"
    )
MAX_IMAGE_PIXELS = int(os.environ.get("CELEBCLF_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))
os.environ["OPENCV_IO_MAX_IMAGE_PIXELS"] = str(MAX_IMAGE_PIXELS)

import cv2  # noqa: E402  (must follow the environment set-up above)

__all__ = ["MAX_IMAGE_PIXELS", "cv2"]
