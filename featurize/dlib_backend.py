"""The one place celebclf imports dlib, and what it says about the build it loaded.

Two builds of dlib can be installed: the ``dlib-bin`` wheel (no BLAS, needs no compiler) and a
source build against OpenBLAS (``scripts/build-dlib-wheel``), whose descriptor and CNN detector
are 2-3x faster. A BLAS build starts one OpenBLAS thread per core by default; a worker pool
already runs one process per core, so more threads only compete for the same cores. OpenBLAS
reads ``OPENBLAS_NUM_THREADS`` once, when the library is loaded with dlib, hence it is set here
(unless the environment already sets it) before the import.
"""

import ctypes
import os
import sys
from functools import cache
from importlib import metadata
from types import ModuleType
from typing import Any

BLAS_THREADS = "1"


@cache
def load_dlib() -> ModuleType:
    """The dlib module, imported with one OpenBLAS thread unless OPENBLAS_NUM_THREADS says."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", BLAS_THREADS)
    import dlib

    return dlib


def _distribution(module_file: str) -> str:
    """Name and version of the installed distribution that holds the loaded extension.

    Both builds are named ``dlib-bin``; the fast one has a local version (``+openblas...``).
    """
    for dist in metadata.distributions():
        if any(str(dist.locate_file(f)) == module_file for f in dist.files or ()):
            return f"{dist.metadata['Name']} {dist.version}"
    return "unknown"


def _openblas(extension: str) -> dict[str, Any] | None:
    """The OpenBLAS the dlib extension links, from its own symbols; None without one.

    dlsym on the extension's handle searches the libraries it depends on, so this finds the
    BLAS dlib calls, not the copy numpy bundles.
    """
    library = ctypes.CDLL(extension)
    try:
        threads, config = library.openblas_get_num_threads, library.openblas_get_config
    except AttributeError:
        return None
    config.restype = ctypes.c_char_p
    corename = library.openblas_get_corename
    corename.restype = ctypes.c_char_p
    return {
        "threads": int(threads()),
        "config": config().decode().strip(),
        "core": corename().decode(),
    }


@cache
def backend() -> dict[str, Any]:
    """Which dlib this process runs: version, distribution, BLAS, SIMD, OpenBLAS threads."""
    dlib = load_dlib()
    extension = sys.modules["_dlib_pybind11"].__file__  # dlib/__init__.py re-exports it
    return {
        "version": dlib.__version__,
        "distribution": _distribution(extension),
        "blas": bool(dlib.DLIB_USE_BLAS),
        "avx": bool(dlib.USE_AVX_INSTRUCTIONS),
        "cuda": bool(dlib.DLIB_USE_CUDA),
        "openblas": _openblas(extension),
        "extension": extension,
    }


def describe(info: dict[str, Any]) -> str:
    """One line for people and /readyz, e.g. ``dlib 20.0.1 (dlib-bin 20.0.1.post1), no BLAS,
    AVX`` or ``... BLAS OpenBLAS 0.3.21 SkylakeX, 1 BLAS thread, AVX``."""
    blas = info["openblas"]
    parts = [f"dlib {info['version']} ({info['distribution']})"]
    if info["blas"] and blas:
        name_version = " ".join(blas["config"].split()[:2])
        parts.append(f"BLAS {name_version} {blas['core']}")
        parts.append(f"{blas['threads']} BLAS thread{'s' if blas['threads'] != 1 else ''}")
    else:
        parts.append("BLAS" if info["blas"] else "no BLAS")
    parts.append("AVX" if info["avx"] else "no AVX")
    return ", ".join(parts)
