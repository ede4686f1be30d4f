from dataclasses import replace
from functools import partial

import numpy as np
import pytest

from featurize import Box, DetectorConfig, analyze, decode_image, get_pipeline
from featurize.features import SEED_DIM, seed_vector, wavelet_image
from featurize.pipelines import haar_analyze

SEED = get_pipeline("seed")


def test_seed_vector_shape_dtype_and_determinism(noise_image):
    first = seed_vector(noise_image)
    assert first.shape == (SEED_DIM,) == (4096,)
    assert first.dtype == np.float64
    assert np.array_equal(first, seed_vector(noise_image.copy()))


def test_seed_vector_layout_is_pixels_then_wavelet(noise_image):
    vector = seed_vector(noise_image)
    assert vector.min() >= 0 and vector.max() <= 255
    flat = np.full((64, 64, 3), 128, np.uint8)
    wave = seed_vector(flat)[3072:]
    assert np.all(seed_vector(flat)[:3072] == 128)
    assert np.all(wave == 0), "a flat image has no high frequencies"


def test_wavelet_image_is_uint8_of_the_crop_size(noise_image):
    out = wavelet_image(noise_image)
    assert out.dtype == np.uint8 and out.shape == noise_image.shape[:2]


def test_no_face_in_noise_or_blank(noise_image):
    assert analyze(noise_image, SEED).faces == []
    assert analyze(np.zeros((300, 300, 3), np.uint8), SEED).detections == []


def test_unknown_pipeline_names_the_known_ones():
    with pytest.raises(ValueError, match="seed"):
        get_pipeline("nope")


@pytest.mark.parametrize("name", ["seed", "dlib"])
def test_real_faces_have_boxes_inside_the_image(kept_photos, name):
    pipeline = get_pipeline(name)
    checked = 0
    for path, _ in kept_photos[::8]:
        image = decode_image(path.read_bytes())
        height, width = image.shape[:2]
        for face in analyze(image, pipeline).faces:
            box = face.box
            assert box.x >= 0 and box.y >= 0 and box.w > 0 and box.h > 0
            assert box.x + box.w <= width and box.y + box.h <= height
            assert face.vector.shape == (pipeline.dim,)
            checked += 1
    assert checked >= 10, f"{name} found too few faces on photos that hold one"


def test_dlib_descriptor_is_deterministic_and_flip_tolerant(kept_photos):
    """The same face gives the same descriptor, and its mirror image a close one."""
    dlib = get_pipeline("dlib")
    image = decode_image(kept_photos[0][0].read_bytes())
    first = analyze(image, dlib).faces[0].vector
    assert np.array_equal(first, analyze(image.copy(), dlib).faces[0].vector)
    mirrored = analyze(image[:, ::-1].copy(), dlib).faces[0].vector
    assert np.linalg.norm(first - mirrored) < 0.4


def test_downscaled_detection_finds_the_same_face_in_original_coordinates(kept_photos):
    """Boxes found on a downscaled copy land on the full-resolution face (IoU > 0.6)."""
    full_res = DetectorConfig(max_detect_side=None, max_eye_side=None)
    full = replace(SEED, analyze=partial(haar_analyze, detector=full_res, vectorize=seed_vector))
    checked = 0
    for path, _ in kept_photos:
        image = decode_image(path.read_bytes())
        small_faces = analyze(image, SEED).faces if max(image.shape[:2]) > 1600 else []
        if not small_faces:
            continue
        small_box = small_faces[0].box
        full_faces = analyze(image, full).faces
        if not full_faces:
            continue
        assert small_box.iou(full_faces[0].box) > 0.6, path.name
        checked += 1
        if checked == 5:
            break
    assert checked >= 3, "not enough large photos to compare"


def test_box_iou():
    box = Box(10, 10, 20, 20)
    assert box.iou(box) == 1.0
    assert box.iou(Box(40, 40, 5, 5)) == 0.0
    assert box.iou(Box(20, 10, 20, 20)) == pytest.approx(200 / 600)


def test_a_photo_too_small_for_any_face_has_none_and_raises_nothing():
    """dlib's CNN raised on a 3 x 3 image (a 500 from search by face, found by schemathesis)."""
    for shape in ((3, 3, 3), (2, 100, 3), (100, 1, 3)):
        assert analyze(np.zeros(shape, np.uint8), get_pipeline("dlib")).faces == []
