"""One example photo, start to end: claim it, get its bytes, keep its one face, store it.

The seed's cleaning step, done by the service: the same ``judge`` as ``celebclf train``
(decode, detect, exactly one usable face) with the service's pipeline (``CELEBCLF_PIPELINE``),
then the face's descriptor, a small crop for the person's page (where a person inspects the
crops and deletes the bad ones), and the face's context, from which a later pipeline describes
it again (featurize.redescribe).
"""

import hashlib
import logging

from celery.exceptions import SoftTimeLimitExceeded

from config import Settings
from db import examples
from db.session import unit_of_work
from featurize import decode_image, get_pipeline
from featurize.decode import encode_jpeg
from featurize.redescribe import CONTEXT_SIDE, context_of
from fetch import FetchError
from tasks.processing import item_bytes, not_run
from tasks.serving import service_pipeline
from tasks.storing import store_with_retry
from training.cleaning import KEPT, judge

log = logging.getLogger("celebclf.examples")
CROP_SIDE = 160


def _verdict(claim: examples.ExampleClaim, settings: Settings):
    """An EnrolledFace, or the (code, message) the example is rejected with."""
    try:
        data = item_bytes(claim.data, claim.url, settings)
    except FetchError as exc:
        return exc.code, exc.message
    digest = hashlib.sha256(data).hexdigest()
    with unit_of_work(settings.database_url) as session:
        holder = examples.reserve_digest(session, claim, digest)
    if holder is not None:
        return "duplicate", f"the same photo is already an example of {holder}"
    pipeline = service_pipeline(settings)
    judgement = judge(data, get_pipeline(pipeline))
    if judgement.reason != KEPT:
        return judgement.reason, judgement.message
    box = judgement.box
    return examples.EnrolledFace(
        (box.x, box.y, box.w, box.h),
        judgement.vector,
        encode_jpeg(judgement.crop, CROP_SIDE),
        encode_jpeg(context_of(decode_image(data), box), CONTEXT_SIDE),
        pipeline,
    )


def enrol_example(example_id: str, settings: Settings) -> str:
    """Enrol one example; returns what happened (for logs and tests). Safe to call twice."""
    with unit_of_work(settings.database_url) as session:
        claim, gave_up = examples.claim(
            session, example_id, settings.max_attempts, settings.stale_running_after_s
        )
    if claim is None:
        return not_run(log, "example", {"example_id": example_id}, gave_up)
    log.info("example started", extra={"example_id": example_id, "attempt": claim.attempt})
    try:
        verdict = _verdict(claim, settings)
    except SoftTimeLimitExceeded:
        verdict = ("timeout", f"processing took over {settings.task_time_limit_s - 10} s")
    accepted = isinstance(verdict, examples.EnrolledFace)

    def write(session) -> bool:
        if accepted:
            return examples.accept(session, claim, verdict)
        return examples.reject(session, claim, *verdict)

    written = store_with_retry(settings, write, {"example_id": example_id})
    status = "accepted" if accepted else "rejected"
    extra = {"example_id": example_id, "attempt": claim.attempt, "status": status}
    if not accepted:
        extra["reason"] = verdict[0]
    extra["written"] = written
    log.info("example finished", extra=extra)
    return status if written else "superseded"
