"""Human- and machine-readable records of a training run, written next to the model."""

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.metrics import ConfusionMatrixDisplay

from featurize.opencv import cv2
from training.train import TrainingRun


def model_table(run: TrainingRun) -> str:
    """The seed's comparison table as fixed-width text."""
    lines = [f"{'model':<20} {'cv_accuracy':>11} {'test_accuracy':>13}  best_params"]
    for r in run.results:
        mark = " *" if r is run.chosen else ""
        lines.append(
            f"{r.name:<20} {r.cv_accuracy:>11.3f} {r.test_accuracy:>13.3f}  {r.best_params}{mark}"
        )
    lines.append("* deployed (refit on all kept photos)")
    return "\n".join(lines)


def featurize_cost(run: TrainingRun) -> dict[str, float]:
    """Milliseconds per decoded photo to detect and featurize (median, p95, max)."""
    ms = np.array([v.ms for v in run.verdicts if v.pixels])
    return (
        {
            "median_ms": round(float(np.median(ms)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
            "max_ms": round(float(ms.max()), 1),
        }
        if ms.size
        else {}
    )


def metrics(run: TrainingRun) -> dict[str, Any]:
    reasons = Counter(v.reason for v in run.verdicts if not v.kept)
    return {
        "counts": {
            "photos": len(run.verdicts),
            "kept": len(run.samples),
            "rejected": dict(sorted(reasons.items())),
            "kept_per_person": dict(sorted(Counter(s.photo.person for s in run.samples).items())),
        },
        "models": [r.as_dict() for r in run.results],
        "chosen": {"model": run.chosen.name, "params": run.chosen.best_params},
        "held_out": run.evaluation,
        "featurize_cost": featurize_cost(run),
        "model_version": run.manifest.get("model_version"),
    }


def write_confusion_png(run: TrainingRun, path: Path) -> None:
    cm = run.evaluation["confusion_matrix"]
    fig = Figure(figsize=(7, 6))  # no pyplot: no global state, no GUI backend
    ax = fig.subplots()
    ConfusionMatrixDisplay(np.array(cm["matrix"]), display_labels=cm["labels"]).plot(
        ax=ax, xticks_rotation=45, colorbar=False
    )
    ax.set_title(
        f"{run.chosen.name} on the held-out split (accuracy {run.evaluation['accuracy']:.2f})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_cleaning_report(run: TrainingRun, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", "file", "sha256", "kept", "reason", "pixels", "ms"])
        for v in run.verdicts:
            writer.writerow(
                [
                    v.photo.person,
                    v.photo.path.name,
                    v.sha256,
                    v.kept,
                    v.reason,
                    v.pixels,
                    round(v.ms, 1),
                ]
            )


def write_crops(run: TrainingRun, crops_dir: Path) -> None:
    """The kept crops, one folder per person, for the seed's manual inspection step."""
    for sample in run.samples:
        folder = crops_dir / sample.photo.person
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{sample.photo.path.stem}.png"), sample.crop)


def write_reports(run: TrainingRun, out_dir: Path) -> dict[str, Any]:
    """metrics.json, confusion_matrix.png, cleaning_report.csv and model_table.txt."""
    data = metrics(run)
    (out_dir / "metrics.json").write_text(json.dumps(data, indent=2) + "\n")
    (out_dir / "model_table.txt").write_text(model_table(run) + "\n")
    write_confusion_png(run, out_dir / "confusion_matrix.png")
    write_cleaning_report(run, out_dir / "cleaning_report.csv")
    return data
