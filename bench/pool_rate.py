"""Images per second of a pool of one process per core (shipped model), as one JSON line.

For benches that compare settings read at process start (OPENBLAS_NUM_THREADS, the dlib build
on PYTHONPATH), one subprocess per setting. Usage: python -m bench.pool_rate
"""

import json
import os

from bench.limit import photo_bytes, run_pool
from tests.conftest import SPORTS


def main() -> None:
    print(json.dumps({"rate": run_pool(photo_bytes(SPORTS), os.cpu_count() or 1, 1)}))


if __name__ == "__main__":
    main()
