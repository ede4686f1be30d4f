"""Turn untrusted bytes into a BGR image, or a typed error a client can act on."""

import numpy as np

from featurize.dimensions import declared_size
from featurize.opencv import MAX_IMAGE_PIXELS, cv2
from featurize.results import Box

_SIGNATURES: tuple[tuple[str, int, bytes], ...] = (
    ("jpeg", 0, b"\xff\xd8\xff"),
    ("png", 0, b"\x89PNG\r\n\x1a\n"),
    ("gif", 0, b"GIF87a"),
    ("gif", 0, b"GIF89a"),
    ("webp", 8, b"WEBP"),
)


class ImageError(ValueError):
    """An input that is not a usable image; ``code`` is stable and machine-readable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def sniff_format(data: bytes) -> str | None:
    """Name the image format from its magic bytes (JPEG, PNG, GIF, WEBP), or None."""
    for name, offset, magic in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic and (name != "webp" or data[:4] == b"RIFF"):
            return name
    return None


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG/PNG/WEBP/GIF (first frame) bytes to an HxWx3 uint8 BGR array.

    Raises ImageError with code ``empty_image``, ``not_an_image`` (unknown format: HTML, SVG,
    random bytes), ``image_too_large`` (over the pixel limit) or ``corrupt_image`` (a known
    format that does not decode, e.g. truncated).
    """
    if not data:
        raise ImageError("empty_image", "the image is empty (0 bytes)")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageError("not_an_image", "the data is not a JPEG, PNG, WEBP or GIF image")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:
        raise _too_large(fmt, declared_size(fmt, data)) from exc
    if image is None or image.size == 0:
        raise ImageError("corrupt_image", f"the {fmt} image is truncated or corrupt")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise _too_large(fmt, (image.shape[1], image.shape[0]))
    return image


def _too_large(fmt: str, size: tuple[int, int] | None) -> ImageError:
    """The refusal, with the image's size when its header says it."""
    limit = f"the limit of {MAX_IMAGE_PIXELS:,} (CELEBCLF_MAX_IMAGE_PIXELS)"
    if size is None:
        return ImageError("image_too_large", f"the {fmt} image has more pixels than {limit}")
    width, height = size
    return ImageError(
        "image_too_large",
        f"the {fmt} image is {width} x {height} pixels ({width * height:,}), over {limit}",
    )


def encode_jpeg(image: np.ndarray, max_side: int, quality: int = 85) -> bytes:
    """A small JPEG of a BGR image, its longest side at most ``max_side`` (for thumbnails)."""
    longest = max(image.shape[:2])
    if longest > max_side:
        factor = max_side / longest
        size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


FACE_THUMBNAIL_SIDE = 96


def face_thumbnail(image: np.ndarray, box: Box, side: int = FACE_THUMBNAIL_SIDE) -> bytes:
    """A JPEG of a face with a fifth of its size as margin, at most ``side`` px: what a person
    needs to recognise a face in a list, no more (it is kept as long as its job)."""
    margin_x, margin_y = box.w // 5, box.h // 5
    top, left = max(0, box.y - margin_y), max(0, box.x - margin_x)
    bottom = min(image.shape[0], box.y + box.h + margin_y)
    right = min(image.shape[1], box.x + box.w + margin_x)
    return encode_jpeg(image[top:bottom, left:right], side)
