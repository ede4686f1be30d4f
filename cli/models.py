"""``celebclf models export VERSION DIR``: a model trained by the service, as the model
directory ``celebclf train`` writes, so ``predict --model DIR`` and every offline path (and
``CELEBCLF_MODEL_DIR``, to start new owners with it) keep working."""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from config import get_settings
from db import model_versions
from db.models import RunStatus
from db.session import unit_of_work
from inference import ModelError
from inference.artifacts import load_model_bytes, write_model_dir
from inference.gallery import Gallery, save_gallery


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("models", help="models trained by the service")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write a model as a model directory")
    export.add_argument("version")
    export.add_argument("out", metavar="DIR", type=Path)
    export.add_argument("--owner", default="public", help="whose model (default: public)")
    export.set_defaults(handler=run_export)


def _gallery(estimator, names: list[str]) -> Gallery:
    """The descriptors the model keeps for its distance rule, with their people's names."""
    labels = np.asarray(estimator.reference_labels_)
    return Gallery(
        estimator.references_,
        np.array([names[int(i)] for i in labels]),
        np.array([""] * len(labels)),
        np.zeros((len(labels), 4), dtype=np.int32),
    )


def run_export(args: argparse.Namespace) -> int:
    with unit_of_work(get_settings().database_url) as session:
        run = model_versions.get(session, args.owner, args.version)
        if run is None or run.status != RunStatus.ready:
            state = "absent" if run is None else run.status
            print(
                f"celebclf models export: no ready model {args.version} ({state})", file=sys.stderr
            )
            return 2
        stored = model_versions.load(session, run.id)
    names = [p["name"] for p in stored.people]
    class_dictionary = {name: index for index, name in enumerate(names)}
    try:
        bundle = load_model_bytes(stored.model_bytes, stored.manifest, class_dictionary)
    except ModelError as exc:
        print(f"celebclf models export: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = dict(stored.manifest)
    if hasattr(bundle.estimator, "references_"):
        manifest["gallery_sha256"] = save_gallery(args.out, _gallery(bundle.estimator, names))
    write_model_dir(args.out, stored.model_bytes, class_dictionary, manifest)
    (args.out / "metrics.json").write_text(json.dumps(run.report, indent=2, default=str) + "\n")
    print(f"model {stored.version} ({len(names)} people) written to {args.out}")
    return 0
