"""Bodies of clusters and their faces: one function per resource."""

from flask import url_for

from db.models import Face, FaceCluster


def serialize_face(face: Face) -> dict:
    return {
        "face_id": face.id,
        "job_id": face.job_id,
        "crop_url": url_for("face_crops.crop", face_id=face.id),
    }


def serialize_cluster_face(face: Face) -> dict:
    return {
        **serialize_face(face),
        "box": {"x": face.x, "y": face.y, "w": face.w, "h": face.h},
        "reason": face.reason,
        "person_id": face.person_id,
        "review": face.review,
    }


def serialize_cluster(cluster: FaceCluster, size: int, samples: list[Face]) -> dict:
    return {
        "id": cluster.id,
        "size": size,
        "samples": [serialize_face(face) for face in samples],
        "created_at": cluster.created_at,
        "updated_at": cluster.updated_at,
    }
