"""Download an image from a user-supplied URL without becoming a proxy into our network."""

from fetch.client import FetchError, FetchPolicy, fetch_image

__all__ = ["FetchError", "FetchPolicy", "fetch_image"]
