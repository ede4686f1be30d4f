"""The fault tests count one face per item and hold every job to a short time limit, so their
photos are the kept ones in which the shipped model's pipeline finds exactly one face: a kept
photo may also show faces too small or blurred to learn from (a crowd behind the person)."""

import pytest

from featurize import decode_image
from inference import load_model


@pytest.fixture(scope="session")
def kept_photos(kept_photos):
    pipeline = load_model().pipeline
    return [
        (path, person)
        for path, person in kept_photos
        if len(pipeline.analyze(decode_image(path.read_bytes())).faces) == 1
    ]
