"""``celebclf predict``: one JSON line per photo path with every face found and its name."""

import argparse
import json
import sys
from pathlib import Path

from inference import ModelError, Predictor, load_model
from inference.predictor import PhotoPrediction


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("predict", help="name the faces in photos (JSON lines)")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--model", type=Path, help="model directory (default: the shipped one)")
    parser.add_argument(
        "--unknown-threshold",
        type=float,
        help="answer 'unknown' below this probability (default: the model's)",
    )
    parser.set_defaults(handler=run)


def _predict_path(predictor: Predictor, path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {
            "path": str(path),
            "faces": [],
            "error": {"code": "unreadable_file", "message": f"{exc.strerror}: {path}"},
        }
    result: PhotoPrediction = predictor.predict_bytes(data)
    return {"path": str(path), **result.as_dict()}


def run(args: argparse.Namespace) -> int:
    try:
        predictor = Predictor(load_model(args.model), args.unknown_threshold)
    except ModelError as exc:
        print(f"celebclf predict: {exc}", file=sys.stderr)
        return 2
    for path in args.paths:
        print(json.dumps(_predict_path(predictor, path)), flush=True)
    return 0
