"""``celebclf train``: build a model directory from a folder of photos, one folder per person."""

import argparse
import json
import sys
from pathlib import Path

from featurize.pipelines import PIPELINES
from training.report import model_table, write_crops, write_reports
from training.train import TrainingConfig, train


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("train", help="clean photos, search models, export the best")
    parser.add_argument(
        "--data", type=Path, required=True, help="folder with one sub-folder per person"
    )
    parser.add_argument("--out", type=Path, required=True, help="model directory to write")
    parser.add_argument(
        "--features",
        default="sface",
        choices=sorted(PIPELINES),
        help="feature pipeline: sface (default: YuNet + SFace), dlib, or seed (the seed's "
        "exact method)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--strangers",
        type=Path,
        metavar="DIR",
        help="folders of people the model must not name: negatives for the unknown rule",
    )
    parser.add_argument(
        "--face-labels",
        type=Path,
        metavar="CSV",
        help="faces labelled by eye (labels/README.md): the bystanders in the training photos "
        "become negatives for the unknown rule",
    )
    parser.add_argument(
        "--choose",
        choices=("svm", "best"),
        default="svm",
        help="deploy the SVM as the seed does, or the best held-out scorer",
    )
    parser.add_argument(
        "--save-crops",
        type=Path,
        metavar="DIR",
        help="also write the kept face crops here for inspection",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = TrainingConfig(
        args.data,
        args.out,
        args.features,
        args.seed,
        args.choose,
        args.strangers,
        args.face_labels,
        progress=not args.no_progress,
    )
    try:
        result = train(config)
    except (FileNotFoundError, ValueError) as exc:
        print(f"celebclf train: {exc}", file=sys.stderr)
        return 2
    metrics = write_reports(result, args.out)
    if args.save_crops:
        write_crops(result, args.save_crops)
    counts = metrics["counts"]
    print(f"\nphotos {counts['photos']}  kept {counts['kept']}  rejected {counts['rejected']}")
    print(model_table(metrics))
    print(f"held-out accuracy of the deployed model: {metrics['held_out']['accuracy']:.3f}")
    print(describe_rule(metrics["unknown_rule"]))
    print(f"featurize cost per photo: {json.dumps(metrics['featurize_cost'])}")
    print(f"model {result.manifest['model_version']} written to {args.out}")
    return 0


def describe_rule(rule: dict) -> str:
    """One line on how ``unknown`` is decided, with the calibration's figures."""
    calibration = rule["calibration"]
    if calibration is None:
        return f"unknown below p={rule['unknown_threshold']:.3f}"
    return (
        f"unknown beyond distance {rule['distance_threshold']:.2f} from the named person: "
        f"known faces kept {calibration['known_kept']} of {calibration['known_faces']}, "
        f"strangers refused {calibration['strangers_refused']} of "
        f"{calibration['stranger_faces']}, margin {calibration['margin']}"
    )
