"""Expensive detector objects, built once per thread (OpenCV and dlib ones are not thread-safe)."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_local = threading.local()


def per_thread(key: str, build: Callable[[], T]) -> T:
    """The object ``build()`` made for this thread under ``key``, built on first use."""
    cache: dict[str, object] = _local.__dict__.setdefault("objects", {})
    if key not in cache:
        cache[key] = build()
    return cache[key]  # type: ignore[return-value]
