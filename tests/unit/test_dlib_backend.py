"""The reported dlib build is the one this process loaded, and BLAS runs one thread by default."""

import json
import os
import subprocess
import sys
from importlib import metadata

import pytest

from featurize.dlib_backend import backend, describe, load_dlib
from tests.conftest import REPO


def test_backend_is_the_loaded_dlib():
    dlib = load_dlib()
    info = backend()
    assert info["version"] == dlib.__version__
    assert info["blas"] is bool(dlib.DLIB_USE_BLAS)
    assert info["avx"] is bool(dlib.USE_AVX_INSTRUCTIONS)
    assert info["extension"] == sys.modules["_dlib_pybind11"].__file__
    name, version = info["distribution"].split(" ")
    assert metadata.version(name) == version
    assert ("no BLAS" in describe(info)) is not info["blas"]
    if info["blas"]:
        assert info["openblas"]["threads"] == int(os.environ["OPENBLAS_NUM_THREADS"])


def _threads_in_child(**env: str) -> int:
    code = "from featurize.dlib_backend import backend; import json; print(json.dumps(backend()))"
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"} | env
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=environ, capture_output=True, check=True
    ).stdout
    return json.loads(out)["openblas"]["threads"]


def _skip_without_blas() -> None:
    if not backend()["blas"]:
        pytest.skip(f"this dlib has no BLAS ({describe(backend())}): nothing to thread")


def test_one_blas_thread_by_default():
    _skip_without_blas()
    assert _threads_in_child() == 1


def test_the_environment_can_ask_for_more_blas_threads():
    _skip_without_blas()
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("OpenBLAS caps its threads at the CPUs this process may use, here 1")
    assert _threads_in_child(OPENBLAS_NUM_THREADS="2") == 2
