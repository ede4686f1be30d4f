"""One function per resource of the family turns rows into the JSON clients read."""

from flask import url_for

from db.models import (
    Example,
    ExampleDescriptor,
    ExampleStatus,
    Job,
    ModelVersion,
    Person,
    RunStatus,
    SourceKind,
)


def serialize_person(person: Person, counts: dict[str, int]) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "shipped": person.shipped_name is not None,
        "examples": counts,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def serialize_descriptor(row: ExampleDescriptor) -> dict:
    if row.descriptor is not None:
        return {"pipeline": row.pipeline, "status": "described", "reason": None}
    reason = {"code": row.error_code, "message": row.error_message}
    return {"pipeline": row.pipeline, "status": "not_described", "reason": reason}


def serialize_example(example: Example) -> dict:
    has_crop = example.status == ExampleStatus.accepted and example.source != SourceKind.shipped
    reason = (
        {"code": example.error_code, "message": example.error_message}
        if example.error_code
        else None
    )
    box = (
        {"x": example.x, "y": example.y, "w": example.w, "h": example.h}
        if example.x is not None
        else None
    )
    return {
        "id": example.id,
        "person_id": example.person_id,
        "status": example.status,
        "reason": reason,
        "source": example.source,
        "url": example.url,
        "filename": example.filename,
        "box": box,
        "crop_url": url_for("examples.crop", person_id=example.person_id, example_id=example.id)
        if has_crop
        else None,
        "descriptors": [serialize_descriptor(d) for d in example.descriptors],
        "created_at": example.created_at,
        "finished_at": example.finished_at,
    }


def serialize_appearance(job: Job, faces: list[dict]) -> dict:
    return {
        "job_id": job.id,
        "batch_id": job.batch_id,
        "url": job.url,
        "filename": job.filename,
        "model": job.model_version,
        "created_at": job.created_at,
        "faces": [{"box": f["box"], "score": f["score"], "distance": f["distance"]} for f in faces],
    }


def model_status(run: ModelVersion, active_id: str | None) -> str:
    """Stored statuses, plus ``active`` (answers the owner's jobs) and ``retired`` (was)."""
    if run.id == active_id:
        return "active"
    if run.status == RunStatus.ready and run.activated_at is not None:
        return "retired"
    return run.status


def serialize_model(run: ModelVersion, active_id: str | None) -> dict:
    report = run.report or {}
    held_out = report.get("held_out")
    people = report.get("people", run.people or [])
    error = {"code": run.error_code, "message": run.error_message} if run.error_code else None
    return {
        "version": run.version,
        "status": model_status(run, active_id),
        "trigger": run.trigger,
        "pipeline": (run.manifest or {}).get("pipeline"),
        "people": [{"id": p["id"], "name": p["name"], "examples": p["examples"]} for p in people],
        "excluded": report.get("excluded", []),
        "examples": sum(p["examples"] for p in people) if people else None,
        "model_table": report.get("models", []),
        "held_out_accuracy": held_out["accuracy"] if held_out else None,
        "held_out": held_out,
        "unknown_rule": report.get("unknown_rule"),
        "error": error,
        "note": run.note,
        "attempts": run.attempts,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "activated_at": run.activated_at,
    }
