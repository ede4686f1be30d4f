"""The fault tests count one face per item: their photos are the one-face kept ones."""

import pytest


@pytest.fixture(scope="session")
def kept_photos(one_face_kept_photos):
    return one_face_kept_photos
