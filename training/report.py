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


def model_table(report: dict[str, Any]) -> str:
    """The seed's comparison table as fixed-width text, from a fit's report."""
    chosen = report["chosen"]["model"]
    lines = [f"{'model':<20} {'cv_accuracy':>11} {'held_out':>9}  best_params"]
    for row in report["models"]:
        mark = " *" if row["model"] == chosen else ""
        lines.append(
            f"{row['model']:<20} {row['cv_accuracy']:>11.3f} {row['held_out_accuracy']:>9.3f}"
            f"  {row['best_params']}{mark}"
        )
    lines.append(f"held out: {report['held_out']['method']}")
    lines.append("* deployed (refit on all examples)")
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
        **run.fitted.report(),
        "featurize_cost": featurize_cost(run),
        "model_version": run.manifest.get("model_version"),
    }


def confusion_figure(report: dict[str, Any]) -> Figure:
    """The held-out confusion matrix of a fit's report."""
    held_out = report["held_out"]
    cm = held_out["confusion_matrix"]
    fig = Figure(figsize=(7, 6))  # no pyplot: no global state, no GUI backend
    ax = fig.subplots()
    ConfusionMatrixDisplay(np.array(cm["matrix"]), display_labels=cm["labels"]).plot(
        ax=ax, xticks_rotation=45, colorbar=False
    )
    ax.set_title(f"{report['chosen']['model']}, held out (accuracy {held_out['accuracy']:.2f})")
    fig.tight_layout()
    return fig


def threshold_figure(calibration: dict[str, Any]) -> Figure:
    """Known faces kept, and strangers and bystanders refused, by distance threshold, the
    chosen one marked: clean one-face strangers alone make the rule look safer than it is
    beside a known person."""
    curves = calibration["curves"]
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    ax.plot(curves["threshold"], curves["known_kept"], label="known faces kept (leave one out)")
    ax.plot(curves["threshold"], curves["strangers_refused"], label="strangers refused")
    if calibration.get("bystander_faces"):
        ax.plot(
            curves["threshold"],
            curves["bystanders_refused"],
            label=f"bystanders refused ({calibration['bystander_faces']}, leave the photo out)",
        )
    ax.axvline(calibration["distance_threshold"], color="grey", linestyle="--")
    k = calibration.get("distance_k", 1)
    to = "nearest example" if k == 1 else f"{k} nearest examples, mean"
    ax.set_xlabel(f"distance threshold (to the named person's {to})")
    ax.set_ylabel("share of faces")
    ax.set_ylim(0, 1.02)
    refused = f"strangers refused {calibration['strangers_refused']:.3f}"
    if calibration.get("bystander_faces"):
        refused += f", bystanders {calibration['bystanders_refused']:.3f}"
    ax.set_title(
        f"unknown rule: {calibration['distance_threshold']:.2f} "
        f"(kept {calibration['known_kept']:.3f}, {refused})",
        fontsize=10,
    )
    ax.legend(loc="lower left")
    fig.tight_layout()
    return fig


def write_cleaning_report(run: TrainingRun, path: Path) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person", "file", "sha256", "kept", "reason", "pixels", "ms"])
        for v in run.verdicts:
            row = [v.photo.person, v.photo.path.name, v.sha256, v.kept, v.reason, v.pixels]
            writer.writerow([*row, round(v.ms, 1)])


def write_crops(run: TrainingRun, crops_dir: Path) -> None:
    """The kept crops, one folder per person, for the seed's manual inspection step."""
    for sample in run.samples:
        folder = crops_dir / sample.photo.person
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{sample.photo.path.stem}.png"), sample.crop)


def write_figures(report: dict[str, Any], out_dir: Path) -> None:
    """confusion_matrix.png, and unknown_rule.png for open-set models."""
    confusion_figure(report).savefig(out_dir / "confusion_matrix.png", dpi=100)
    calibration = report["unknown_rule"]["calibration"]
    if calibration:
        threshold_figure(calibration).savefig(out_dir / "unknown_rule.png", dpi=100)


def write_reports(run: TrainingRun, out_dir: Path) -> dict[str, Any]:
    """metrics.json, model_table.txt, the figures and cleaning_report.csv."""
    data = metrics(run)
    (out_dir / "metrics.json").write_text(json.dumps(data, indent=2) + "\n")
    (out_dir / "model_table.txt").write_text(model_table(data) + "\n")
    write_figures(data, out_dir)
    write_cleaning_report(run, out_dir / "cleaning_report.csv")
    return data
