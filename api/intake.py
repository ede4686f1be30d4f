"""Incoming images: base64 text, uploaded files and URLs, checked before anything is stored."""

import base64
import binascii
import re

from api.errors import ApiError
from db.items import Item
from featurize import sniff_format
from fetch.client import FetchError, validate_url

_DATA_URL = re.compile(r"^data:[\w.+-]+/[\w.+-]+(;[\w=.+-]+)*;base64,", re.IGNORECASE)


def check_image_bytes(data: bytes) -> tuple[str, str] | None:
    """A cheap check by magic bytes; full decoding happens in the worker."""
    if not data:
        return "empty_image", "the image is empty (0 bytes)"
    if sniff_format(data) is None:
        return "not_an_image", "the data is not a JPEG, PNG, WEBP or GIF image"
    return None


def decode_base64(text: str) -> bytes:
    """Strict base64 (bad characters are an error, not silently dropped); data: prefix allowed."""
    payload = _DATA_URL.sub("", text.strip(), count=1)
    payload = "".join(payload.split())
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, "invalid_base64", f"image_base64 is not valid base64: {exc}") from exc


def url_item(url: str) -> Item:
    try:
        validate_url(url)
    except FetchError as exc:
        return Item("url", url=url, error=(exc.code, exc.message))
    return Item("url", url=url)


def bytes_item(source: str, data: bytes, filename: str | None = None) -> Item:
    return Item(source, data=data, filename=filename, error=check_image_bytes(data))


def require_ok(item: Item) -> Item:
    """For single-image requests a bad input is the request's error (400), not a job's."""
    if item.error:
        raise ApiError(400, *item.error)
    return item
