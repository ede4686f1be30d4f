"""An incoming image as it is stored for a worker: bytes or a URL, or why it is unusable."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One image to work on (upload/base64 bytes, or a URL), or the error that rules it out."""

    source: str
    data: bytes | None = None
    url: str | None = None
    filename: str | None = None
    error: tuple[str, str] | None = None
