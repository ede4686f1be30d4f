"""Two dlib builds in one run, honestly: each measured in its own process, in turn.

The PyPI ``dlib-bin`` wheel and the BLAS build of ``scripts/build-dlib-wheel`` are installed
side by side into folders under ~/.cache/celebclf/bench (``pip install --target``, seconds
once the BLAS wheel is built), and every measurement is a subprocess of this same venv with
PYTHONPATH putting one build first, so numpy, OpenCV and the photos are the same for both.
The builds alternate (A B A B ...), and each stage's figure is the median over the rounds.

Used by ``python -m bench.speedups_dlib``.
"""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BENCH_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "celebclf" / "bench"


def _release() -> str:
    for line in (REPO / "constraints.txt").read_text().splitlines():
        if line.startswith("dlib-bin=="):
            return line.split("==", 1)[1]
    raise RuntimeError("constraints.txt pins no dlib-bin")


def _install(requirement: str, folder: Path) -> Path:
    if not folder.is_dir():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(folder),
                requirement,
            ],
            check=True,
        )
    return folder


def builds() -> dict[str, Path]:
    """Folder of each build to put first on PYTHONPATH: the PyPI wheel and the BLAS one."""
    release = _release()
    wheel = subprocess.run(
        [str(REPO / "scripts" / "build-dlib-wheel"), sys.executable],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        # === is exact: a local version (the BLAS build, if on PIP_FIND_LINKS) does not match
        "dlib-bin (PyPI)": _install(f"dlib-bin==={release}", BENCH_DIR / f"pypi-{release}"),
        "BLAS build": _install(wheel, BENCH_DIR / Path(wheel).stem),
    }


def run_json(module: str, *args: str, path: Path | None = None, **env: str) -> dict:
    """``python -m module args`` with ``path`` first on PYTHONPATH; its last line, parsed."""
    environ = {**os.environ, **env}
    if path is not None:
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), str(REPO)]))
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=REPO,
        env=environ,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def alternate(runs: dict[str, dict], rounds: int) -> dict[str, dict[str, float]]:
    """Each named run (module, args, path, env) ``rounds`` times in turn; median per figure."""
    figures: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            figures[name].append(
                run_json(run["module"], *run["args"], path=run["path"], **run.get("env", {}))["ms"]
            )
    return {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in figures.items()
    }
