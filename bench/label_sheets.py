"""Face boxes to label by eye: every face any of our detectors finds in a dataset's photos.

For each photo: dlib's faces as the shipped ``dlib`` pipeline finds them (HOG, HOG larger, the
CNN where both find none) and YuNet's at a low score (0.3, below the 0.5 it names at), merged
into one list of faces by overlap. Photos with two or more faces are drawn, each face numbered,
into ``--out`` (PNG files: never commit them, they show the photos), and listed in
``--out/proposals.csv`` with the boxes; a person fills in ``identity`` and the file becomes
``labels/<dataset>-faces.csv`` (see labels/README.md).

Usage: python -m bench.label_sheets ../shared/datasets/sports-celebrities --out /tmp/labeling
"""

import argparse
import csv
import hashlib
from pathlib import Path

from featurize import Box, decode_image
from featurize.dlib_faces import DlibConfig, find_faces
from featurize.opencv import cv2
from featurize.yunet_sface import YunetConfig, yunet_faces
from training.dataset import list_photos

MATCH_IOU = 0.3
COLOURS = {"dlib": (0, 200, 255), "yunet": (255, 160, 0), "both": (0, 220, 0)}


def merged_faces(image) -> list[dict]:
    """One entry per face: its box (YuNet's where it found it, else dlib's) and who found it."""
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    dlib_boxes, _ = find_faces(rgb, DlibConfig())
    faces = [
        {"box": f.box, "found_by": {"yunet"}, "score": f.score}
        for f in yunet_faces(image, YunetConfig(score_threshold=0.3))
    ]
    for box in dlib_boxes:
        match = max(faces, key=lambda f: f["box"].iou(box), default=None)
        if match is not None and match["box"].iou(box) >= MATCH_IOU:
            match["found_by"].add("dlib")
        else:
            faces.append({"box": box, "found_by": {"dlib"}, "score": None})
    return sorted(faces, key=lambda f: f["box"].w * f["box"].h, reverse=True)


def draw(image, faces: list[dict], path: Path) -> None:
    """The photo (at most 1400 px) with each face boxed and numbered."""
    scale = min(1.0, 1400 / max(image.shape[:2]))
    canvas = cv2.resize(image, None, fx=scale, fy=scale) if scale < 1 else image.copy()
    for number, face in enumerate(faces, 1):
        b: Box = face["box"]
        kind = "both" if len(face["found_by"]) == 2 else next(iter(face["found_by"]))
        x, y, w, h = (round(v * scale) for v in (b.x, b.y, b.w, b.h))
        cv2.rectangle(canvas, (x, y), (x + w, y + h), COLOURS[kind], 2)
        cv2.putText(canvas, str(number), (x, max(14, y - 4)), 0, 0.7, (0, 0, 0), 4)
        cv2.putText(canvas, str(number), (x, max(14, y - 4)), 0, 0.7, COLOURS[kind], 2)
    cv2.imwrite(str(path), canvas)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for photo in list_photos(args.dataset):
        data = photo.path.read_bytes()
        try:
            image = decode_image(data)
        except ValueError:
            continue
        faces = merged_faces(image)
        if len(faces) < 2:
            continue
        digest = hashlib.sha256(data).hexdigest()
        draw(image, faces, args.out / f"{photo.person}__{photo.path.stem}.png")
        for number, face in enumerate(faces, 1):
            b = face["box"]
            rows.append(
                {
                    "sha256": digest,
                    "folder": photo.person,
                    "file": photo.path.name,
                    "face": number,
                    "x": b.x,
                    "y": b.y,
                    "w": b.w,
                    "h": b.h,
                    "found_by": "+".join(sorted(face["found_by"])),
                    "yunet_score": "" if face["score"] is None else round(face["score"], 3),
                    "identity": "",
                }
            )
    with (args.out / "proposals.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len({r['sha256'] for r in rows})} photos, {len(rows)} faces -> {args.out}")


if __name__ == "__main__":
    main()
