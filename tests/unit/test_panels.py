"""featurize.panels: a collage is cut where its photographs meet, an ordinary picture never."""

import numpy as np

from featurize.opencv import cv2
from featurize.panels import Panels, find_panels
from featurize.results import Box


def _photo(seed: int, shape=(300, 200)) -> np.ndarray:
    """A smooth, photo-like picture (blurred noise): edges inside it are soft and short."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (shape[0] // 20, shape[1] // 20, 3), dtype=np.uint8)
    return cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)


def test_two_photographs_side_by_side_are_cut_where_they_meet():
    collage = np.hstack([np.full((300, 200, 3), 40, np.uint8), _photo(1)])
    collage[:, 200:] = np.maximum(collage[:, 200:], 120)  # the second is brighter all along
    panels = find_panels(collage)
    assert panels.columns == (200,) and panels.rows == ()
    assert panels.of(Box(20, 50, 60, 60)) == 0 and panels.of(Box(260, 50, 60, 60)) == 1


def test_three_panels_one_above_another_are_cut_twice():
    bands = [np.full((150, 300, 3), level, np.uint8) for level in (30, 160, 90)]
    panels = find_panels(np.vstack(bands))
    assert panels.rows == (150, 300) and panels.columns == ()
    assert [panels.of(Box(100, y, 40, 40)) for y in (50, 200, 350)] == [0, 1, 2]


def test_a_mirrored_copy_and_an_ordinary_photo_are_not_cut():
    photo = _photo(2)
    assert find_panels(np.hstack([photo, photo[:, ::-1]])) == Panels()
    assert find_panels(photo) == Panels()


def test_two_photographs_divided_by_a_white_bar_are_cut_at_the_bar():
    collage = np.hstack([_photo(3), np.full((300, 8, 3), 255, np.uint8), _photo(4)])
    panels = find_panels(collage)
    assert panels.columns == (204,) and panels.cut
    assert panels.of(Box(20, 50, 60, 60)) == 0 and panels.of(Box(260, 50, 60, 60)) == 1


def test_a_stripe_across_a_photo_with_someone_in_front_is_not_a_seam():
    """A backdrop's white line has two edges a few pixels apart (a stripe, not a seam), and
    the person standing in front of it crosses it (not a bar dividing two photographs)."""
    picture = _photo(5, (300, 400)) // 2
    picture[:, 200:206] = 250
    picture[180:300, 150:260] = _photo(6, (120, 110))  # a shoulder in front of the line
    assert find_panels(picture) == Panels() and not Panels().cut
