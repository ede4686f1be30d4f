"""What face finding returns, whichever detector found the faces."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from featurize.quality import FaceQuality


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of the original image: top-left corner, width, height."""

    x: int
    y: int
    w: int
    h: int

    def as_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}

    def iou(self, other: "Box") -> float:
        """Intersection over union: 1.0 for the same box, 0.0 for boxes that do not touch."""
        w = min(self.x + self.w, other.x + other.w) - max(self.x, other.x)
        h = min(self.y + self.h, other.y + other.h) - max(self.y, other.y)
        inter = max(0, w) * max(0, h)
        return inter / (self.w * self.h + other.w * other.h - inter)


@dataclass(frozen=True)
class Detection:
    """One face a detector found, with the eyes found inside it (Haar only)."""

    box: Box
    eyes: tuple[Box, ...] = ()


@dataclass(frozen=True)
class FaceFeatures:
    """A usable face: its box in the original image and its feature vector.

    ``clear`` is False for a face only a fallback detector found (dlib's CNN: a face turned
    away, small or blurred). It is good enough to be named, not to learn a person from: such
    descriptors sit close to other people's and would make every stranger look nearer.
    ``quality`` is what the detector and the crop say of the face, where the pipeline
    measures it (featurize.quality). ``panel``: which photograph of a collage the face is in
    (featurize.panels; 0 in an ordinary photo): a person is named once per panel.
    """

    box: Box
    vector: np.ndarray
    clear: bool = True
    quality: "FaceQuality | None" = None
    panel: int = 0


@dataclass(frozen=True)
class Analysis:
    """What one photo holds: every face the detector saw, and the usable ones featurized."""

    detections: list[Detection]
    faces: list[FaceFeatures]


def clip(box: Box, height: int, width: int) -> Box:
    """The part of ``box`` inside a height x width image."""
    x, y = max(0, box.x), max(0, box.y)
    right, bottom = min(width, box.x + box.w), min(height, box.y + box.h)
    return Box(x, y, max(0, right - x), max(0, bottom - y))
