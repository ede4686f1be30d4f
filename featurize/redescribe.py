"""Describing an example's face again, with another pipeline, from what was kept of it.

An example keeps no photo, only a small image of its face. To let any later detector find the
face again and align it its own way, enrolment keeps the face's *context*: the region twice
the box's size around its centre (what lies outside the photo is filled by repeating its
edge), at most ``CONTEXT_SIDE`` long. The face then fills the middle half of that image, so
the face to describe is the one found there. Examples enrolled before contexts were kept have
only their tight crop; padding it by half its size on every side gives the same geometry.
"""

import numpy as np

from featurize.decode import decode_image, encode_jpeg
from featurize.opencv import cv2
from featurize.pipelines import Pipeline, analyze
from featurize.results import Box

CONTEXT_SIDE = 256
# A face found in a context is the example's face when it overlaps the middle half this much
# (a tight dlib box against YuNet's, which takes in the forehead: about 0.5-0.7).
MIN_OVERLAP = 0.3


def context_of(image: np.ndarray, box: Box) -> np.ndarray:
    """The region twice ``box``'s size around its centre, at most ``CONTEXT_SIDE`` long."""
    x0, y0 = box.x - box.w // 2, box.y - box.h // 2
    x1, y1 = x0 + 2 * box.w, y0 + 2 * box.h
    height, width = image.shape[:2]
    inside = image[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)]
    region = cv2.copyMakeBorder(
        inside,
        max(0, -y0),
        max(0, y1 - height),
        max(0, -x0),
        max(0, x1 - width),
        cv2.BORDER_REPLICATE,
    )
    longest = max(region.shape[:2])
    if longest <= CONTEXT_SIDE:
        return region
    factor = CONTEXT_SIDE / longest
    size = (max(1, round(region.shape[1] * factor)), max(1, round(region.shape[0] * factor)))
    return cv2.resize(region, size, interpolation=cv2.INTER_AREA)


def context_of_crop(crop: np.ndarray) -> np.ndarray:
    """A tight face crop padded by half its size on every side: a context, as far as can be."""
    h, w = crop.shape[:2]
    return cv2.copyMakeBorder(crop, h // 2, h // 2, w // 2, w // 2, cv2.BORDER_REPLICATE)


def describe_context(context: np.ndarray, pipeline: Pipeline) -> np.ndarray | None:
    """The descriptor of the face filling ``context``'s middle half; None if none is found."""
    h, w = context.shape[:2]
    middle = Box(w // 4, h // 4, w // 2, h // 2)
    best = max(analyze(context, pipeline).faces, key=lambda f: f.box.iou(middle), default=None)
    if best is None or best.box.iou(middle) < MIN_OVERLAP:
        return None
    return best.vector


def photo_of_thumbnail(jpeg: bytes) -> bytes:
    """A photo to enrol a job's face from, made of its small crop (featurize.decode
    .face_thumbnail) padded as a context: one face, with room for any detector to find it."""
    padded = context_of_crop(decode_image(jpeg))
    return encode_jpeg(padded, max(padded.shape[:2]), quality=95)
