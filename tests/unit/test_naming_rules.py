"""The one naming rule across the model and the gallery of recent examples
(inference.naming.preferred and decide): which rule names a face, and a person once a photo."""

from inference.naming import (
    GALLERY,
    NAMED_ELSEWHERE,
    NOT_CLOSE_ENOUGH,
    PERSON_DELETED,
    Candidate,
    NamingRule,
    decide,
    preferred,
)

RULE = NamingRule(distance_threshold=0.5, unclear_distance_threshold=0.4)


def model(distance: float, person: str = "ann", index: int = 0) -> Candidate:
    return Candidate(index, 0.9, distance, person=person)


def gallery(distance: float, person: str = "bob", row: int = 0) -> Candidate:
    return Candidate(row, 0.0, distance, person=person, rule=GALLERY)


def test_the_gallery_names_a_face_the_model_refuses_within_the_models_distance():
    chosen = preferred(RULE, model(0.7), gallery(0.3), frozenset())
    assert chosen.rule == GALLERY and decide(RULE, [chosen]) == [None]


def test_the_nearer_rule_names_the_face():
    assert preferred(RULE, model(0.35), gallery(0.3), frozenset()).rule == GALLERY
    assert preferred(RULE, model(0.25), gallery(0.3), frozenset()).rule == "model"


def test_a_gallery_example_beyond_the_threshold_leaves_the_models_answer():
    refused = model(0.7)
    assert preferred(RULE, refused, gallery(0.55), frozenset()) is refused
    assert decide(RULE, [refused]) == [NOT_CLOSE_ENOUGH]


def test_no_gallery_for_a_closed_set_model():
    refused = model(0.7)
    assert preferred(NamingRule(), refused, gallery(0.1), frozenset()) is refused


def test_a_deleted_persons_face_goes_to_the_gallery_when_a_living_person_is_near():
    chosen = preferred(RULE, model(0.2), gallery(0.3), frozenset({0}))
    assert chosen.rule == GALLERY
    assert decide(RULE, [model(0.2)], frozenset({0})) == [PERSON_DELETED]


def test_a_person_is_named_once_across_both_rules():
    by_model, by_gallery = model(0.3, "ann"), gallery(0.2, "ann", row=4)
    assert decide(RULE, [by_model, by_gallery]) == [NAMED_ELSEWHERE, None]
    assert decide(RULE, [model(0.3, "ann"), gallery(0.2, "bob")]) == [None, None]


def test_a_person_with_fewer_examples_than_k_is_held_to_the_one_face_distance():
    """Measured by the mean of 3 nearest (limit 0.5), a person with one example is measured by
    that one face's distance, and held to the one-face limit (0.4)."""
    rule = NamingRule(
        distance_threshold=0.5,
        unclear_distance_threshold=0.5,
        distance_k=3,
        pair_distance_threshold=0.4,
    )
    one = Candidate(0, 0.0, 0.45, person="bob", rule=GALLERY, neighbours=1)
    three = Candidate(0, 0.0, 0.45, person="bob", rule=GALLERY, neighbours=3)
    assert decide(rule, [one]) == [NOT_CLOSE_ENOUGH]
    assert decide(rule, [three]) == [None]
    assert decide(rule, [Candidate(0, 0.9, 0.45, person="ann", neighbours=2)]) == [NOT_CLOSE_ENOUGH]
    manifest = {"distance_threshold": 0.5, "distance_k": 3, "pair_distance_threshold": 0.4}
    assert NamingRule.from_manifest(manifest) == rule
