"""The CNN detector finds the face in a photo where both HOG passes find none.

The photo was picked by measurement (``python -m bench.cnn_fallback``): HOG finds no face at
<= 480 px nor at <= 960 px, the CNN one face whose descriptor lies 0.35 from Kohli's other
photos' faces, closer than to anyone else's.
"""

from dataclasses import replace

import pytest

from featurize import decode_image
from featurize.dlib_faces import DlibConfig, dlib_analyze, hog_boxes
from featurize.opencv import cv2
from inference import Predictor, load_model

PHOTO = ("virat_kohli", "45c7c585040e.jpg")


@pytest.fixture(scope="module")
def image(sports_dir):
    path = sports_dir.joinpath(*PHOTO)
    if not path.is_file():
        pytest.skip(f"real photo not available: {path} is absent")
    return decode_image(path.read_bytes())


def test_hog_finds_no_face_and_the_cnn_fallback_does(image):
    config = DlibConfig()
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    assert hog_boxes(rgb, config.max_detect_side, config.enlarge) == []
    assert hog_boxes(rgb, config.fallback_side, config.fallback_enlarge) == []
    assert dlib_analyze(image, replace(config, cnn_side=None)).faces == []
    faces = dlib_analyze(image, config).faces
    assert len(faces) == 1
    box = faces[0].box
    assert box.x + box.w <= image.shape[1] and box.y + box.h <= image.shape[0]
    assert min(box.w, box.h) >= 0.05 * max(image.shape[:2]), "a face, not a speck"


def test_the_face_the_cnn_found_is_named(image):
    assert [f.label for f in Predictor(load_model()).predict_image(image)] == [PHOTO[0]]
