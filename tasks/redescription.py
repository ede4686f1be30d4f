"""Describing an owner's examples again when the service's pipeline changed.

Run by a training run before it reads its snapshot (tasks.training_run), so a run of the new
pipeline always sees every example that can be described: the sweeper asks for such a run for
each owner whose examples lack the pipeline's descriptors (tasks.sweeper), and the owner's old
model answers until that run is ready and activated. Each chunk is written as soon as it is
described, so a run killed mid-way leaves the next one less to do.

An example of the owner's own is described from its face's context (or, enrolled before
contexts were kept, its padded tight crop: featurize.redescribe). One in which the new
pipeline finds no face gets an error row (``not_described``): it stays an accepted example of
the old pipeline, is left out of the new pipeline's training, and the person's page says so.
A shipped example has no photo: it takes its descriptor from the shipped gallery when that
gallery is of the new pipeline (same photo, overlapping box), and waits for one otherwise.
"""

import logging

import numpy as np

from config import Settings
from db import descriptors
from db.descriptors import NOT_DESCRIBED, Described
from db.models import Example, SourceKind
from db.owners import ShippedModel
from db.session import unit_of_work
from featurize import Box, ImageError, Pipeline, decode_image, get_pipeline
from featurize.redescribe import context_of_crop, describe_context
from tasks.serving import service_pipeline, shipped_model

log = logging.getLogger("celebclf.redescription")
CHUNK = 50
SAME_FACE = 0.4  # box overlap at which a shipped gallery row is the example's face (a dlib box
# lies inside the YuNet box of the same face: their overlap is their area ratio, 0.49-0.9)
NO_FACE = "the new face finder found no face in the stored crop; add this photo again"
NOT_SHIPPED = "the shipped model no longer has this photo's face; add a photo of them"


def _from_shipped(example: Example, shipped: ShippedModel) -> Described:
    box = Box(example.x, example.y, example.w, example.h)
    best, overlap = None, SAME_FACE
    for index in np.flatnonzero(shipped.sha256 == example.sha256):
        candidate = Box(*(int(v) for v in shipped.boxes[index]))
        if candidate.iou(box) >= overlap:
            best, overlap = index, candidate.iou(box)
    if best is None:
        return Described(example.id, error=(NOT_DESCRIBED, NOT_SHIPPED))
    return Described(example.id, descriptor=shipped.vectors[best])


def _from_photo(example: Example, pipeline: Pipeline) -> Described:
    try:
        if example.face_source is not None:
            context = decode_image(example.face_source)
        else:
            context = context_of_crop(decode_image(example.crop or b""))
    except ImageError:
        return Described(example.id, error=(NOT_DESCRIBED, NO_FACE))
    vector = describe_context(context, pipeline)
    if vector is None:
        return Described(example.id, error=(NOT_DESCRIBED, NO_FACE))
    return Described(example.id, descriptor=vector)


def describe_missing(owner: str, settings: Settings) -> int:
    """Give each of the owner's accepted examples a row for the service's pipeline; returns
    how many were written. Idempotent: only examples without a row are described."""
    pipeline = get_pipeline(service_pipeline(settings))
    shipped = shipped_model(settings.model_dir)
    gallery = shipped if shipped.manifest.get("pipeline") == pipeline.name else None
    if gallery is not None and gallery.vectors is None:
        gallery = None
    written = failed = 0
    while True:
        with unit_of_work(settings.database_url) as session:  # rows stay readable after it
            chunk = descriptors.undescribed(
                session, owner, pipeline.name, CHUNK, shipped=gallery is not None
            )
        if not chunk:
            break
        results = [
            _from_shipped(e, gallery)
            if e.source == SourceKind.shipped
            else _from_photo(e, pipeline)
            for e in chunk
        ]
        with unit_of_work(settings.database_url) as session:
            descriptors.record(session, pipeline.name, results)
        written += len(results)
        failed += sum(r.error is not None for r in results)
    if written:
        log.info(
            "examples described again",
            extra={"owner": owner, "pipeline": pipeline.name, "written": written, "failed": failed},
        )
    return written
