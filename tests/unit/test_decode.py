import os
import subprocess
import sys

import numpy as np
import pytest

from featurize import ImageError, decode_image, sniff_format
from featurize.dimensions import declared_size
from featurize.opencv import cv2
from tests.conftest import encode, png_bomb


@pytest.mark.parametrize("ext", [".jpg", ".png", ".webp", ".gif"])
def test_decodes_every_supported_format(noise_image, ext):
    image = decode_image(encode(noise_image, ext))
    assert image.shape == noise_image.shape
    assert image.dtype == np.uint8


def test_png_round_trip_is_exact(noise_image):
    assert np.array_equal(decode_image(encode(noise_image, ".png")), noise_image)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_image"),
        (os.urandom(2048), "not_an_image"),
        (b"<html><body>404</body></html>", "not_an_image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "not_an_image"),
        (b"\xff\xd8\xff\xe0" + os.urandom(500), "corrupt_image"),
    ],
)
def test_bad_bytes_give_typed_errors(data, code):
    with pytest.raises(ImageError) as info:
        decode_image(data)
    assert info.value.code == code
    assert info.value.as_dict() == {"code": code, "message": info.value.message}


@pytest.mark.parametrize("ext", [".jpg", ".png"])
def test_truncated_image_is_corrupt(noise_image, ext):
    data = encode(noise_image, ext)
    with pytest.raises(ImageError) as info:
        decode_image(data[: len(data) // 2])
    assert info.value.code == "corrupt_image"


def test_pixel_bomb_is_refused_by_the_default_limit():
    with pytest.raises(ImageError) as info:
        decode_image(png_bomb(30000, 20000))
    assert info.value.code == "image_too_large"
    assert info.value.message == (
        "the png image is 30000 x 20000 pixels (600,000,000), "
        "over the limit of 40,000,000 (CELEBCLF_MAX_IMAGE_PIXELS)"
    )


@pytest.mark.parametrize(
    ("ext", "params"),
    [
        (".jpg", []),
        (".png", []),
        (".gif", []),
        (".webp", [cv2.IMWRITE_WEBP_QUALITY, 80]),  # lossy: VP8
        (".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]),  # lossless: VP8L
    ],
)
def test_declared_size_reads_every_format_header(ext, params):
    image = np.random.default_rng(0).integers(0, 255, (23, 37, 3), np.uint8)
    data = cv2.imencode(ext, image, params)[1].tobytes()
    assert declared_size(sniff_format(data), data) == (37, 23)


def test_pixel_limit_comes_from_the_environment(tmp_path):
    """The limit is read before cv2 is imported; a fresh process proves the setting works."""
    image = np.zeros((1200, 1200, 3), np.uint8)
    path = tmp_path / "big.png"
    path.write_bytes(encode(image, ".png"))
    code = (
        "import sys; from featurize import decode_image, ImageError\n"
        "try:\n    decode_image(open(sys.argv[1], 'rb').read()); print('decoded')\n"
        "except ImageError as e:\n    print(f'{e.code}: {e.message}')\n"
    )
    env = {**os.environ, "CELEBCLF_MAX_IMAGE_PIXELS": "1000000"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out.startswith("image_too_large: the png image is 1200 x 1200 pixels")


def test_sniff_format_names_formats_by_magic_bytes(noise_image):
    assert sniff_format(encode(noise_image, ".webp")) == "webp"
    assert sniff_format(encode(noise_image, ".gif")) == "gif"
    assert sniff_format(b"RIFF\0\0\0\0WAVE") is None
