"""The shipped model names every face of a photo by the per-face rules (inference.naming), on
real photos: a person is in a photo at most once (once per panel of a collage), and a face too
poor to name is boxed but ``unknown``, reason ``unclear``."""

import numpy as np
import pytest

from featurize.opencv import cv2
from featurize.panels import find_panels
from inference import Predictor, load_model


@pytest.fixture(scope="module")
def shipped() -> Predictor:
    return Predictor(load_model())


@pytest.fixture(scope="module")
def clear_photo(shipped, kept_photos) -> tuple[np.ndarray, str]:
    """A photo the shipped model names with one face, the face large and clear."""
    for path, name in kept_photos:
        image = cv2.imread(str(path))
        faces = shipped.predict_image(image)
        if len(faces) == 1 and faces[0].label == name and faces[0].box.w >= 120:
            return image, name
    pytest.skip("no photo with one large face the shipped model names")


def _side_by_side(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    height = min(first.shape[0], second.shape[0])
    return np.hstack(
        [cv2.resize(p, (round(p.shape[1] * height / p.shape[0]), height)) for p in (first, second)]
    )


@pytest.fixture(scope="module")
def collage(shipped, kept_photos) -> tuple[np.ndarray, str]:
    """Two photos of one person side by side, each named by the shipped model with one large
    face. Not every pair shows a seam (two photos that meet on the same colours do not): the
    first pair that does, among the first ten pairs."""
    seen: dict[str, list[np.ndarray]] = {}
    pairs = 0
    for path, name in kept_photos:
        image = cv2.imread(str(path))
        faces = shipped.predict_image(image)
        if len(faces) != 1 or faces[0].label != name or faces[0].box.w < 120:
            continue
        for other in seen.setdefault(name, []):
            pairs += 1
            joined = _side_by_side(other, image)
            if find_panels(joined).columns:
                return joined, name
            if pairs == 10:
                pytest.fail("no seam found between ten pairs of photos put side by side")
        seen[name].append(image)
    pytest.skip("fewer than ten pairs of photos of one person with one large named face")


def test_a_collage_of_two_photos_of_one_person_names_both(shipped, collage):
    image, name = collage
    faces = shipped.predict_image(image)
    assert [f.label for f in faces] == [name, name], "one name per panel, not per picture"


def test_a_mirrored_copy_beside_the_photo_names_them_once(shipped, clear_photo):
    image, name = clear_photo
    faces = shipped.predict_image(np.hstack([image, cv2.flip(image, 1)]))
    assert len(faces) == 2, "the photo and its mirror image: two faces"
    assert [f.label for f in faces].count(name) == 1
    (other,) = [f for f in faces if f.label != name]
    assert (other.label, other.reason) == ("unknown", "named_elsewhere_in_photo")
    named = next(f for f in faces if f.label == name)
    assert named.distance <= other.distance, "the closer face keeps the name"


def test_a_face_too_small_to_name_is_boxed_unknown_unclear(shipped, clear_photo):
    image, _ = clear_photo
    scale = 14 / next(f for f in shipped.predict_image(image)).box.w  # a face about 14 px wide
    tiny = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    faces = shipped.predict_image(tiny)
    assert faces, "the detector still boxes the face"
    assert all((f.label, f.reason) == ("unknown", "unclear") for f in faces), faces
    assert all(f.quality["score"] < shipped.rule.quality.min_score for f in faces)
