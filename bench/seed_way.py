"""The seed's way vs our service, same photos, same run.

The seed's server, written here from its description for the comparison only: a synchronous,
single-threaded Flask handler that decodes a base64 data URL, builds both Haar cascades on
every request, searches full-resolution photos, and runs predict and predict_proba separately.
Our service runs with the same seed model (the ratio is about the architecture), and with the
shipped model for reference.

Usage: python -m bench.seed_way
"""

import base64
import logging
import multiprocessing
import tempfile
import time
from pathlib import Path

import numpy as np
import requests

from bench.service import measure
from tests.conftest import SPORTS
from tests.service.helpers import (
    free_port,
    photo_server,
    postgres_database,
    postgres_reachable,
    url_for_photo,
)


def seed_server(model_dir: str, port: int) -> None:
    """The seed-style server: everything per request, one request at a time."""
    from flask import Flask, jsonify, request
    from werkzeug.serving import make_server

    from featurize.features import seed_vector
    from featurize.opencv import cv2
    from inference import load_model

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the figures
    model = load_model(Path(model_dir)).estimator
    app = Flask(__name__)

    @app.post("/classify_image")
    def classify_image():
        data = base64.b64decode(request.form["image_data"].split(",", 1)[1])
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        faces_xml = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        face_cascade = cv2.CascadeClassifier(faces_xml)
        eye_cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_eye.xml")
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        result = []
        for x, y, w, h in face_cascade.detectMultiScale(gray, 1.3, 5):
            if len(eye_cascade.detectMultiScale(gray[y : y + h, x : x + w])) >= 2:
                final = seed_vector(img[y : y + h, x : x + w]).reshape(1, -1)
                result.append(
                    {
                        "class": int(model.predict(final)[0]),
                        "class_probability": model.predict_proba(final)[0].tolist(),
                    }
                )
        return jsonify(result)

    make_server("127.0.0.1", port, app, threaded=False).serve_forever()


def seed_way_rate(model_dir: str, paths: list[Path]) -> float:
    port = free_port()
    server = multiprocessing.Process(target=seed_server, args=(model_dir, port), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{port}/classify_image"
    bodies = ["data:image/jpeg;base64," + base64.b64encode(p.read_bytes()).decode() for p in paths]
    try:
        for _ in range(100):
            try:
                requests.post(url, data={"image_data": bodies[0]}, timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        started = time.perf_counter()
        for body in bodies:
            assert requests.post(url, data={"image_data": body}, timeout=60).ok
        return len(bodies) / (time.perf_counter() - started)
    finally:
        server.kill()


def main() -> None:
    from training.train import TrainingConfig, train

    paths = [p for p in sorted(SPORTS.rglob("*")) if p.is_file()]
    with tempfile.TemporaryDirectory() as model_dir:
        train(TrainingConfig(SPORTS, Path(model_dir), pipeline="seed", progress=False))
        seed_rate = seed_way_rate(model_dir, paths)
        with photo_server(SPORTS) as base:
            urls = [url_for_photo(base, SPORTS, p) for p in paths]
            database = postgres_database() if postgres_reachable() else None
            with database or tempfile.TemporaryDirectory() as target:
                db_url = target if database else f"sqlite:///{target}/bench.sqlite3"
                ours_seed = measure(db_url, urls, paths, 2, CELEBCLF_MODEL_DIR=model_dir)
                ours_dlib = measure(db_url, urls, paths, 2)
    print(f"{len(paths)} photos; the seed's way: one synchronous request at a time")
    print(f"{'':<40}{'images/s':>10}{'ratio':>8}")
    print(f"{'the seed way (seed model)':<40}{seed_rate:>10.2f}{1:>8.2f}")
    print(
        f"{'our service, 2 workers, seed model':<40}{ours_seed['rate']:>10.2f}"
        f"{ours_seed['rate'] / seed_rate:>8.2f}   (target >= 5x)"
    )
    print(
        f"{'our service, 2 workers, shipped dlib':<40}{ours_dlib['rate']:>10.2f}"
        f"{ours_dlib['rate'] / seed_rate:>8.2f}   (does far more per photo)"
    )


if __name__ == "__main__":
    main()
