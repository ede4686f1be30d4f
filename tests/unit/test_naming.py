"""inference.naming: which faces of a photo are named, and why the others are unknown."""

from featurize.quality import FaceQuality, QualityGate
from inference.naming import (
    NAMED_ELSEWHERE,
    NOT_CLOSE_ENOUGH,
    NOT_SURE,
    PERSON_DELETED,
    UNCLEAR,
    Candidate,
    NamingRule,
    decide,
)

RULE = NamingRule(
    probability_threshold=0.5,
    distance_threshold=1.0,
    unclear_distance_threshold=0.8,
    quality=QualityGate(min_side=20, min_score=0.8),
)
SHARP = FaceQuality(side=100, score=0.95, sharpness=500.0, turn=0.1)


def test_a_person_is_named_once_the_closest_face_keeps_the_name():
    faces = [Candidate(3, 0.9, 0.7, quality=SHARP), Candidate(3, 0.95, 0.4, quality=SHARP)]
    assert decide(RULE, faces) == [NAMED_ELSEWHERE, None]


def test_two_people_in_one_photo_are_both_named():
    faces = [Candidate(3, 0.9, 0.7, quality=SHARP), Candidate(4, 0.9, 0.6, quality=SHARP)]
    assert decide(RULE, faces) == [None, None]


def test_a_refused_face_does_not_take_the_name_from_another():
    faces = [Candidate(3, 0.9, 1.2, quality=SHARP), Candidate(3, 0.9, 0.9, quality=SHARP)]
    assert decide(RULE, faces) == [NOT_CLOSE_ENOUGH, None]


def test_each_reason_in_its_order():
    tiny = FaceQuality(side=12, score=0.95, sharpness=500.0, turn=0.1)
    unsure_detector = FaceQuality(side=100, score=0.6, sharpness=500.0, turn=0.1)
    faces = [
        Candidate(1, 0.9, 0.1, quality=tiny),
        Candidate(2, 0.9, 0.1, quality=unsure_detector),
        Candidate(3, 0.9, 0.1, quality=SHARP),
        Candidate(4, 0.3, 0.1, quality=SHARP),
        Candidate(5, 0.9, 1.01, quality=SHARP),
        Candidate(6, 0.9, 0.9, clear=False, quality=SHARP),
    ]
    assert decide(RULE, faces, hidden=frozenset({3})) == [
        UNCLEAR,
        UNCLEAR,
        PERSON_DELETED,
        NOT_SURE,
        NOT_CLOSE_ENOUGH,
        NOT_CLOSE_ENOUGH,
    ]


def test_a_pipeline_that_measures_nothing_names_by_distance_alone():
    assert decide(RULE, [Candidate(1, 0.9, 0.2)]) == [None]


def test_the_rule_reads_a_manifest_and_one_without_a_gate_names_every_clear_face():
    rule = NamingRule.from_manifest(
        {"unknown_threshold": 0.0, "distance_threshold": 0.56, "unclear_distance_threshold": 0.54}
    )
    assert rule.quality == QualityGate() and rule.unclear_distance_threshold == 0.54
    gated = NamingRule.from_manifest(
        {"distance_threshold": 1.04, "quality_gate": {"min_score": 0.8}}
    )
    assert gated.quality.admits(SHARP) and not gated.quality.admits(
        FaceQuality(side=100, score=0.7, sharpness=500.0, turn=0.1)
    )


def test_a_person_in_two_panels_of_a_collage_is_named_in_each():
    faces = [
        Candidate(3, 0.9, 0.7, quality=SHARP, panel=0),
        Candidate(3, 0.95, 0.4, quality=SHARP, panel=1),
        Candidate(3, 0.95, 0.5, quality=SHARP, panel=1),
    ]
    assert decide(RULE, faces) == [None, None, NAMED_ELSEWHERE]
