"""The fault tests count one face per item and hold every job to a short time limit, so their
photos are the kept ones whose first HOG pass finds exactly one face: since HOG reads a grey
copy a few kept photos show a second face or none (and then take the CNN's second or two)."""

import pytest

from featurize import decode_image
from featurize.dlib_faces import DlibConfig, dlib_analyze

FIRST_PASS = DlibConfig(fallback_side=None, cnn_side=None)


@pytest.fixture(scope="session")
def kept_photos(kept_photos):
    return [
        (path, person)
        for path, person in kept_photos
        if len(dlib_analyze(decode_image(path.read_bytes()), FIRST_PASS).faces) == 1
    ]
