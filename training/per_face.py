"""Face-by-face figures: is every box named right, not only the photo's best face.

A photo scored by its best named face hides a bystander named as the person beside them. Here
every face a pipeline found is matched to a face labelled by eye (``labels/*.csv``: photo
SHA-256, box, identity) and counted:

- known faces named right: faces of a person the model knows, given that name;
- bystanders named: faces of anyone else (``stranger``, ``not_a_face``, a person the model does
  not know) given any name;
- wrong names per 100 photos: names on a face that is not that person, whatever the detector
  found (a detection matching no labelled face counts as not that person);
- name precision: right names / all names given.

Faces labelled ``unsure`` are left out of every figure. A photo without labels is a one-face
photo of its folder's person: its faces are that person's.
"""

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from featurize import ImageError, Pipeline, analyze, decode_image
from featurize.quality import QualityGate
from featurize.results import Box, FaceFeatures
from training.cleaning import Sample
from training.dataset import Photo

MATCH_IOU = 0.3
STRANGER, UNSURE, NOT_A_FACE, UNLABELLED = "stranger", "unsure", "not_a_face", "unlabelled"
NOT_PEOPLE = (STRANGER, NOT_A_FACE, UNLABELLED)


@dataclass(frozen=True)
class LabelledFace:
    box: Box
    identity: str


def load_face_labels(path: Path) -> dict[str, list[LabelledFace]]:
    """Labelled faces per photo SHA-256."""
    by_photo: dict[str, list[LabelledFace]] = defaultdict(list)
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            box = Box(int(row["x"]), int(row["y"]), int(row["w"]), int(row["h"]))
            by_photo[row["sha256"]].append(LabelledFace(box, row["identity"]))
    return dict(by_photo)


def identity_of(box: Box, labelled: list[LabelledFace] | None, folder_person: str) -> str:
    """Who a found face is: the best-overlapping labelled face's identity, ``unlabelled`` if
    none overlaps enough; the folder's person in a photo nobody labelled."""
    if labelled is None:
        return folder_person
    best = max(labelled, key=lambda face: face.box.iou(box), default=None)
    if best is None or best.box.iou(box) < MATCH_IOU:
        return UNLABELLED
    return best.identity


@dataclass
class FaceTally:
    """Counts over the faces of some photos, for a model that knows ``known`` people."""

    photos: int = 0
    known_faces: int = 0
    known_right: int = 0
    known_unknown: int = 0
    bystanders: int = 0
    bystanders_named: int = 0
    names: int = 0
    right_names: int = 0
    wrong_names: int = 0

    def add_photo(self, identities: list[str], labels: list[str], known: set[str]) -> None:
        """One photo: each found face's true identity and the label the service gave it."""
        self.photos += 1
        for identity, label in zip(identities, labels, strict=True):
            if identity == UNSURE:
                continue
            named = label != "unknown"
            if identity in known:
                self.known_faces += 1
                self.known_right += label == identity
                self.known_unknown += not named
            else:
                self.bystanders += 1
                self.bystanders_named += named
            if named:
                self.names += 1
                self.right_names += label == identity
                self.wrong_names += label != identity

    def __iadd__(self, other: "FaceTally") -> "FaceTally":
        for field in fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))
        return self

    def figures(self) -> dict[str, float | int | None]:
        def share(part: int, whole: int) -> float | None:
            return round(part / whole, 4) if whole else None

        return {
            "photos": self.photos,
            "known faces": self.known_faces,
            "known faces named right": share(self.known_right, self.known_faces),
            "known faces unknown": share(self.known_unknown, self.known_faces),
            "bystander faces": self.bystanders,
            "bystanders named": share(self.bystanders_named, self.bystanders),
            "wrong names per 100 photos": share(100 * self.wrong_names, self.photos),
            "name precision": share(self.right_names, self.names),
        }


@dataclass(frozen=True)
class LabelledFaces:
    """What faces labelled by eye add to a training run (``celebclf train --face-labels``).

    ``bystanders``: the faces of labelled photos that are nobody the model knows (strangers,
    not-faces, faces matching no label; never ``unsure``), with each one's photo SHA-256: the
    unknown rule is calibrated against them (training.gate). ``examples``: from each labelled
    photo the one-face cleaning could not use (several clear faces), the largest face labelled
    as the photo's own person and clear enough to learn from; one a photo, as the service
    keeps one example a photo (db: an owner's examples are unique by photo).
    """

    bystanders: np.ndarray
    bystander_photos: np.ndarray
    examples: list[Sample]


def example_face(
    faces: list[FaceFeatures], identities: list[str], person: str, learnable: QualityGate
) -> FaceFeatures | None:
    """The face a labelled photo of ``person`` teaches: its largest face (faces come largest
    first) labelled as that person and clear enough to learn from; None if it has none."""
    return next(
        (
            face
            for face, identity in zip(faces, identities, strict=True)
            if identity == person and face.clear and learnable.admits(face.quality)
        ),
        None,
    )


def labelled_faces(
    photos: list[Photo],
    pipeline: Pipeline,
    labels: dict[str, list[LabelledFace]],
    known: set[str],
    kept: set[str],
) -> LabelledFaces:
    """Every face of the labelled ``photos`` as the pipeline describes it, sorted into
    bystanders and examples; ``kept``: SHA-256 of the photos the cleaning already learns from
    (their one face is an example already)."""
    vectors, digests, examples, seen = [], [], [], set()
    for photo in photos:
        data = photo.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest not in labels or digest in seen:
            continue
        seen.add(digest)
        try:
            image = decode_image(data)
        except ImageError:
            continue
        faces = analyze(image, pipeline).faces
        identities = [identity_of(f.box, labels[digest], photo.person) for f in faces]
        for face, identity in zip(faces, identities, strict=True):
            if identity not in known and identity != UNSURE:
                vectors.append(face.vector)
                digests.append(digest)
        face = example_face(faces, identities, photo.person, pipeline.learnable)
        if face is not None and digest not in kept:
            b = face.box
            crop = image[b.y : b.y + b.h, b.x : b.x + b.w].copy()
            examples.append(Sample(photo, digest, b, crop, face.vector))
    bystanders = np.array(vectors).reshape(len(vectors), pipeline.dim)
    return LabelledFaces(bystanders, np.array(digests), examples)


def labelled_elsewhere(sample: Sample, labels: dict[str, list[LabelledFace]]) -> bool:
    """Whether the labels say a kept photo's one face is not its folder's person (a teammate
    who was the only clear face of a photo about someone else)."""
    labelled = labels.get(sample.sha256)
    return labelled is not None and identity_of(sample.box, labelled, "") != sample.photo.person
