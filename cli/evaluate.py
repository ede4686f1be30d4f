"""``celebclf split`` and ``celebclf evaluate``: honest figures on photos a model never saw."""

import argparse
import json
import sys
from pathlib import Path

from featurize.opencv import cv2
from inference import ModelError, Predictor, load_model
from training.assessment import assess_known, assess_strangers
from training.per_face import load_face_labels
from training.split import split_photos, write_split


def register(commands: argparse._SubParsersAction) -> None:
    split = commands.add_parser("split", help="fixed train/test split of a photo folder")
    split.add_argument("--data", type=Path, required=True)
    split.add_argument("--out", type=Path, required=True, help="writes OUT/train and OUT/test")
    split.add_argument("--test-size", type=float, default=0.25)
    split.add_argument("--seed", type=int, default=0)
    split.set_defaults(handler=run_split)

    evaluate = commands.add_parser("evaluate", help="coverage, accuracy, strangers refused")
    evaluate.add_argument("--model", type=Path, help="model directory (default: shipped)")
    evaluate.add_argument("--data", type=Path, required=True, help="one folder per person")
    evaluate.add_argument("--strangers", type=Path, help="folders of people to refuse")
    evaluate.add_argument(
        "--face-labels",
        type=Path,
        metavar="CSV",
        help="faces labelled by eye (labels/README.md): adds figures face by face",
    )
    evaluate.add_argument("--out", type=Path, help="also write the figures here (JSON)")
    evaluate.add_argument("--no-progress", action="store_true")
    evaluate.set_defaults(handler=run_evaluate)


def run_split(args: argparse.Namespace) -> int:
    counts = write_split(split_photos(args.data, args.test_size, args.seed), args.out)
    print(json.dumps(counts))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    cv2.setNumThreads(1)  # figures per photo are for one core
    try:
        predictor = Predictor(load_model(args.model))
    except ModelError as exc:
        print(f"celebclf evaluate: {exc}", file=sys.stderr)
        return 2
    report = {
        "model": predictor.bundle.version,
        **assess_known(
            predictor,
            args.data,
            not args.no_progress,
            load_face_labels(args.face_labels) if args.face_labels else None,
        ),
    }
    if args.strangers:
        report["strangers"] = assess_strangers(predictor, args.strangers, not args.no_progress)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0
