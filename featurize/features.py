"""The seed's 4096-number face feature: 32x32 colour pixels + a 32x32 Haar-wavelet image."""

import numpy as np
import pywt

from featurize.opencv import cv2

SIDE = 32
SEED_DIM = SIDE * SIDE * 3 + SIDE * SIDE


def wavelet_image(face_bgr: np.ndarray, wavelet: str = "db1", level: int = 5) -> np.ndarray:
    """High-frequency image of a face: wavelet transform with the approximation zeroed.

    Kept exactly as the seed computes it so that the ``seed`` pipeline reproduces its numbers:
    the BGR crop goes through ``COLOR_RGB2GRAY`` (channel weights swapped, as in the seed), and
    the result is cast to uint8 with wrap-around, which the seed got implicitly from x86 float
    casting; here it is explicit so it is the same on every platform.
    """
    gray = cv2.cvtColor(face_bgr, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    coeffs = list(pywt.wavedec2(gray, wavelet, level=level))
    coeffs[0] = np.zeros_like(coeffs[0])
    restored = pywt.waverec2(coeffs, wavelet) * 255
    return restored.astype(np.int64).astype(np.uint8)


def seed_vector(face_bgr: np.ndarray) -> np.ndarray:
    """The seed's feature of one face crop: shape (4096,), float64, deterministic."""
    raw = cv2.resize(face_bgr, (SIDE, SIDE))
    har = cv2.resize(wavelet_image(face_bgr), (SIDE, SIDE))
    return np.concatenate([raw.reshape(-1), har.reshape(-1)]).astype(np.float64)
