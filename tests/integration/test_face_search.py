"""Where dlib's HOG passes look: the first pass skips the two costliest levels of an
upsample-by-2 pyramid, and a face too small for it is found by the second pass.

Photos: one-face sports photos whose face both the shipped first pass and the full pyramid
find. A small face is made by shrinking such a photo onto a 1440 x 1080 grey canvas, so its
face measures 30 px in the first pass's 480 px copy: below the smallest face that pass
searches (80 px window / 25/18 = 58 px), above the second pass's (40 px of a 960 px copy).
"""

import numpy as np
import pytest

from featurize import decode_image
from featurize.dlib_backend import backend, describe
from featurize.dlib_faces import DlibConfig, find_faces, hog_boxes
from featurize.opencv import cv2
from featurize.results import Box

PHOTOS = (
    ("lionel_messi", "12b9348d1317.jpg"),
    ("lionel_messi", "169a1c0faab7.jpg"),
    ("lionel_messi", "457d19df3393.jpg"),
)
SHIPPED = DlibConfig()


@pytest.fixture(scope="module", params=PHOTOS, ids=lambda photo: photo[1])
def rgb(request, sports_dir):
    path = sports_dir.joinpath(*request.param)
    if not path.is_file():
        pytest.skip(f"real photo not available: {path} is absent")
    return cv2.cvtColor(decode_image(path.read_bytes()), cv2.COLOR_BGR2RGB)


def test_the_first_pass_boxes_a_face_where_the_full_pyramid_does(rgb):
    (shipped,) = hog_boxes(rgb, SHIPPED.max_detect_side, SHIPPED.enlarge)
    (full,) = hog_boxes(rgb, SHIPPED.max_detect_side, 2.0)
    assert shipped.iou(full) > 0.9, (shipped, full)


def test_a_face_too_small_for_the_first_pass_is_found_by_the_second(rgb):
    (face,) = hog_boxes(rgb, SHIPPED.max_detect_side, SHIPPED.enlarge)
    canvas = np.full((1080, 1440, 3), 128, np.uint8)
    scale = 90 / face.w  # the face 90 px of 1440: 30 px of the 480 px copy
    small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = min(small.shape[0], 980), min(small.shape[1], 1340)
    canvas[100 : 100 + h, 100 : 100 + w] = small[:h, :w]

    assert hog_boxes(canvas, SHIPPED.max_detect_side, SHIPPED.enlarge) == []
    boxes, clear = find_faces(canvas, SHIPPED)
    assert clear, "found by HOG's second pass, not only by the CNN"
    (found,) = boxes
    expected = Box(100 + round(face.x * scale), 100 + round(face.y * scale), 90, 90)
    assert found.iou(expected) > 0.5, (found, expected)


# What PyPI's dlib-bin (no BLAS, no fused multiply-add) finds with the shipped passes. Every
# build the project makes (scripts/build-dlib-wheel: OpenBLAS, AVX2) must find the same: built
# with -mfma it boxed the first at 169 px, another pyramid level (issue 24).
DLIB_BIN_BOXES = {
    ("roger_federer", "939e08555683.jpg"): [Box(633, 81, 201, 201)],
}


@pytest.mark.parametrize(
    ("photo", "boxes"),
    [pytest.param(photo, boxes, id="/".join(photo)) for photo, boxes in DLIB_BIN_BOXES.items()],
)
def test_every_dlib_build_boxes_a_face_as_dlib_bin_does(sports_dir, photo, boxes):
    path = sports_dir.joinpath(*photo)
    if not path.is_file():
        pytest.skip(f"real photo not available: {path} is absent")
    rgb = cv2.cvtColor(decode_image(path.read_bytes()), cv2.COLOR_BGR2RGB)
    found, clear = find_faces(rgb, SHIPPED)
    assert (found, clear) == (boxes, True), describe(backend())
