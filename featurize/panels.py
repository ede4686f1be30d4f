"""The panels of a composite image: a collage is several photographs, not one.

A person is in a photograph at most once (inference.naming), but a collage puts photographs
of the same man side by side, and there each of his faces is a right name. The seam between
two panels is a straight line across the whole picture where it changes abruptly along almost
all of its length and nowhere beside it; an edge inside a photograph (a door frame, a pole)
is softer, shorter or has more edges next to it. A mirrored copy pasted beside its original
has no seam at all (the two meet on the same pixels), so it stays one photograph.

On the shared photos every one of the six collages was cut where its panels meet, and none of
the other 322 photos was cut where it held two faces (bench.per_face, docs/model-report.md).
"""

from bisect import bisect
from dataclasses import dataclass

import numpy as np

from featurize.opencv import cv2
from featurize.results import Box

SEARCH_SIDE = 480  # seams are looked for on a copy this long: a seam survives the shrinking
STEP = 24  # a change of more than this (0-255, in grey) between neighbouring pixels
SEAM_SHARE = 0.85  # a seam changes along at least this share of its length
FAINT_SHARE = 0.55  # in a picture with a seam, further seams may be this faint (a third panel)
BESIDE_SHARE = 0.3  # and the lines 2-4 px beside a seam change along at most this share
STRIPE = 12  # and no line 2 to 12 px away changes along 0.4 or more: lines close
# together are the edges of a stripe (a backdrop's grid, a frame), not a seam
MARGIN = 0.1  # no seam nearer the border than this share of the side (frames, letterboxes)


@dataclass(frozen=True)
class Panels:
    """Where a picture is cut, in original pixels: x of each vertical seam, y of each
    horizontal one (none for an ordinary photograph)."""

    columns: tuple[int, ...] = ()
    rows: tuple[int, ...] = ()

    @property
    def cut(self) -> bool:
        return bool(self.columns or self.rows)

    def of(self, box: Box) -> int:
        """The panel holding the centre of ``box`` (0 in an uncut picture)."""
        column = bisect(self.columns, box.x + box.w / 2)
        row = bisect(self.rows, box.y + box.h / 2)
        return row * (len(self.columns) + 1) + column


def _seams(changes: np.ndarray) -> list[int]:
    """Positions along one axis where the share of changing pixels makes a seam.

    ``changes``: (length of the seam, positions) booleans, True where a pixel differs by more
    than STEP from its neighbour across the position."""
    share = changes.mean(axis=0)
    size = len(share) + 1
    first, last = round(MARGIN * size), round((1 - MARGIN) * size)
    lines = np.flatnonzero(share >= 0.4)

    def alone(i: int) -> bool:
        beside = np.r_[share[max(i - 4, 0) : max(i - 1, 0)], share[i + 2 : i + 5]]
        stripe = np.any((np.abs(lines - i) > 1) & (np.abs(lines - i) <= STRIPE))
        return first <= i <= last and beside.max(initial=0) <= BESIDE_SHARE and not stripe

    seams = [int(i) for i in np.flatnonzero(share >= FAINT_SHARE) if alone(i)]
    if not any(share[i] >= SEAM_SHARE for i in seams):
        return []
    return [i + 1 for i in seams]


def find_panels(image: np.ndarray) -> Panels:
    """The seams of a BGR image, if it is a collage."""
    factor = min(1.0, SEARCH_SIDE / max(image.shape[:2]))
    # Nearest-neighbour sampling keeps a seam one pixel sharp, and costs under a millisecond.
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    across = cv2.absdiff(gray[:, 1:], gray[:, :-1]) > STEP  # (rows, columns - 1)
    down = cv2.absdiff(gray[1:], gray[:-1]) > STEP  # (rows - 1, columns)
    return Panels(
        tuple(round(x / factor) for x in _seams(across)),
        tuple(round(y / factor) for y in _seams(down.T)),
    )
