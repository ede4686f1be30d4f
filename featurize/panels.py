"""The panels of a composite image: a collage is several photographs, not one.

A person is in a photograph at most once (inference.naming), but a collage puts photographs
of the same man side by side, and there each of his faces is a right name. The seam between
two panels is a straight line across the whole picture where it changes abruptly along almost
all of its length and nowhere beside it; an edge inside a photograph (a door frame, a pole)
is softer, shorter or has more edges next to it. Where the panels are divided by a bar (a
white or black line a few pixels wide), the seam is the bar: a run of lines of one colour along
their whole length between two lines that change; a stripe inside a photograph is crossed by
something along its length (a backdrop's grid by the person standing in front of it). A
mirrored copy pasted beside its original has no seam at all (the two meet on the same pixels),
so it stays one photograph.

On the shared photos every one of the six collages was cut where its panels meet, and no
other of the 328 photos was cut (docs/model-report.md).
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
BAR = 16  # a dividing bar is at most this many px wide (on the SEARCH_SIDE copy)
BAR_SPREAD = 12  # and each of its lines spans at most this range of grey along its length


@dataclass(frozen=True)
class Panels:
    """Where a picture is cut, in original pixels: x of each vertical seam, y of each
    horizontal one (none for an ordinary photograph)."""

    columns: tuple[int, ...] = ()
    rows: tuple[int, ...] = ()

    @property
    def cut(self) -> bool:
        """Whether the picture is a collage."""
        return bool(self.columns or self.rows)

    def of(self, box: Box) -> int:
        """The panel holding the centre of ``box`` (0 in an uncut picture)."""
        column = bisect(self.columns, box.x + box.w / 2)
        row = bisect(self.rows, box.y + box.h / 2)
        return row * (len(self.columns) + 1) + column


def _bars(share: np.ndarray, plain: np.ndarray) -> list[int]:
    """Centres of dividing bars: runs of at most BAR plain lines (one colour along their whole
    length) between two lines that change along FAINT_SHARE or more."""
    bars = []
    edges = np.flatnonzero(np.diff(np.r_[0, plain.astype(np.int8), 0]))
    for start, end in zip(edges[::2], edges[1::2], strict=True):  # plain lines start:end
        inside = start > 0 and end < len(plain) and end - start <= BAR
        if inside and share[start - 1] >= FAINT_SHARE and share[end - 1] >= FAINT_SHARE:
            bars.append(int(start + end) // 2)
    return bars


def _seams(changes: np.ndarray, plain: np.ndarray) -> list[int]:
    """Positions along one axis where a picture is cut.

    ``changes``: (length of the seam, positions - 1) booleans, True where a pixel differs by
    more than STEP from its neighbour across the position; ``plain``: per position, whether
    that line is of one colour along its whole length."""
    share = changes.mean(axis=0)
    size = len(share) + 1
    first, last = round(MARGIN * size), round((1 - MARGIN) * size)
    bars = [i for i in _bars(share, plain) if first <= i <= last]
    lines = np.flatnonzero(share >= 0.4)

    def alone(i: int) -> bool:
        beside = np.r_[share[max(i - 4, 0) : max(i - 1, 0)], share[i + 2 : i + 5]]
        stripe = np.any((np.abs(lines - i) > 1) & (np.abs(lines - i) <= STRIPE))
        return first <= i <= last and beside.max(initial=0) <= BESIDE_SHARE and not stripe

    seams = [int(i) for i in np.flatnonzero(share >= FAINT_SHARE) if alone(i)]
    if not bars and not any(share[i] >= SEAM_SHARE for i in seams):
        return []
    return sorted({i + 1 for i in seams} | set(bars))


def find_panels(image: np.ndarray) -> Panels:
    """The seams of a BGR image, if it is a collage."""
    factor = min(1.0, SEARCH_SIDE / max(image.shape[:2]))
    # Nearest-neighbour sampling keeps a seam one pixel sharp, and costs under a millisecond.
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_NEAREST)
    gray = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    across = cv2.absdiff(gray[:, 1:], gray[:, :-1]) > STEP  # (rows, columns - 1)
    down = cv2.absdiff(gray[1:], gray[:-1]) > STEP  # (rows - 1, columns)
    plain_columns = np.ptp(gray, axis=0) <= BAR_SPREAD
    plain_rows = np.ptp(gray, axis=1) <= BAR_SPREAD
    return Panels(
        tuple(round(x / factor) for x in _seams(across, plain_columns)),
        tuple(round(y / factor) for y in _seams(down.T, plain_rows)),
    )
