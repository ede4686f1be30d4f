"""Which faces of a photo get a name, and why the others are ``unknown``.

One rule for the service, ``celebclf predict``/``evaluate`` and the cross-validation that
calibrates it, so what is measured is what is shipped. In order:

1. ``unclear``: the face is too small, blurred or turned to be named (the model's quality gate);
   it is still boxed.
2. ``person_deleted``: the classifier's pick is a person deleted since the model was trained.
3. ``not_sure`` (closed-set models): the best probability is under the model's threshold.
4. ``not_close_enough`` (open-set models): the face is farther from the picked person's own
   examples than the calibrated distance (the stricter one for a face only a fallback
   detector found). Where the model measures a person by the mean of their k nearest examples
   and the person has fewer, the one-face distance (``pair_distance_threshold``) applies: a
   mean over one example is a single face's distance, and the k-example limit would be too
   lenient for it.
5. ``named_elsewhere_in_photo``: a person is in a photo at most once; when several faces get
   the same name, the closest keeps it. A collage is several photos (featurize.panels): there
   the rule holds per panel, so the same man in three panels is named three times.

Two rules offer a name (``rule``): the ``model``, and the ``gallery`` of examples accepted
since the model was trained (inference.recent), so a new example names its person at once.
A face the model refuses, or names farther than the gallery's nearest example, goes to the
gallery's person when that example is within the model's calibrated distance; the checks above
then apply to whichever rule won, and step 5 counts a person once across both.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from featurize.quality import FaceQuality, QualityGate

UNCLEAR = "unclear"
PERSON_DELETED = "person_deleted"
NOT_SURE = "not_sure"
NOT_CLOSE_ENOUGH = "not_close_enough"
NAMED_ELSEWHERE = "named_elsewhere_in_photo"
REASONS = (UNCLEAR, PERSON_DELETED, NOT_SURE, NOT_CLOSE_ENOUGH, NAMED_ELSEWHERE)
MODEL = "model"
GALLERY = "gallery"
RULES = (MODEL, GALLERY)


@dataclass(frozen=True)
class NamingRule:
    """The thresholds a model ships with (its manifest) and its quality gate."""

    probability_threshold: float = 0.0
    distance_threshold: float | None = None
    unclear_distance_threshold: float | None = None
    quality: QualityGate = field(default_factory=QualityGate)
    distance_k: int = 1  # a person's distance: the mean of their k nearest examples
    pair_distance_threshold: float | None = None  # for a person with fewer than k examples

    @classmethod
    def from_manifest(cls, manifest: dict) -> "NamingRule":
        distance = manifest.get("distance_threshold")
        return cls(
            probability_threshold=float(manifest.get("unknown_threshold") or 0.0),
            distance_threshold=distance,
            unclear_distance_threshold=manifest.get("unclear_distance_threshold", distance),
            quality=QualityGate.from_dict(manifest.get("quality_gate")),
            distance_k=int(manifest.get("distance_k", 1)),
            pair_distance_threshold=manifest.get("pair_distance_threshold"),
        )


@dataclass(frozen=True)
class Candidate:
    """What a rule says of one face: its best class, that class's probability, the
    distance to that person's nearest example (open-set models) and how the face looks.

    ``person``: the stored person's id where known (a person is named once per photo by
    either rule); a ``gallery`` candidate's ``index`` is its row in the gallery, not a class.
    """

    index: int
    score: float
    distance: float | None = None
    clear: bool = True
    quality: FaceQuality | None = None
    person: str | None = None
    rule: str = MODEL
    panel: int = 0  # which photograph of a collage the face is in (featurize.panels)
    neighbours: int | None = None  # how many of the person's examples ``distance`` averages

    @property
    def who(self) -> tuple[int, str | int]:
        """Whom the face would be named as, in which panel: named once per panel."""
        return self.panel, self.person if self.person is not None else self.index


def refusal(rule: NamingRule, face: Candidate, hidden: frozenset[int]) -> str | None:
    """Why ``face`` may not be named on its own merits, or None if it may."""
    if not rule.quality.admits(face.quality):
        return UNCLEAR
    if face.rule == MODEL and face.index in hidden:
        return PERSON_DELETED
    if face.rule == MODEL and face.score < rule.probability_threshold:
        return NOT_SURE
    limit = _limit(rule, face)
    if face.distance is not None and limit is not None and face.distance > limit:
        return NOT_CLOSE_ENOUGH
    return None


def _limit(rule: NamingRule, face: Candidate) -> float | None:
    limit = rule.distance_threshold if face.clear else rule.unclear_distance_threshold
    few = face.neighbours is not None and face.neighbours < rule.distance_k
    if few and limit is not None and rule.pair_distance_threshold is not None:
        return min(limit, rule.pair_distance_threshold)
    return limit


def preferred(
    rule: NamingRule, model: Candidate, gallery: Candidate | None, hidden: frozenset[int]
) -> Candidate:
    """The gallery's candidate where it may name the face and is nearer than the model's
    (or the model may not name it); else the model's."""
    if gallery is None or rule.distance_threshold is None:
        return model
    limit = _limit(rule, gallery)
    if limit is None or gallery.distance is None or gallery.distance > limit:
        return model
    nearer = model.distance is None or model.distance <= gallery.distance
    if refusal(rule, model, hidden) is None and nearer:
        return model
    return gallery


def _closeness(face: Candidate) -> tuple[float, float]:
    """Sort key: nearer first (open-set), then more probable."""
    return (face.distance if face.distance is not None else 0.0, -face.score)


def decide(
    rule: NamingRule, faces: Sequence[Candidate], hidden: frozenset[int] = frozenset()
) -> list[str | None]:
    """Per face, in order: None if it is named as its candidate's class, else the reason."""
    reasons = [refusal(rule, face, hidden) for face in faces]
    keeper: dict[tuple[int, str | int], int] = {}
    for i, face in enumerate(faces):
        if reasons[i] is not None:
            continue
        other = keeper.get(face.who)
        if other is None or _closeness(face) < _closeness(faces[other]):
            if other is not None:
                reasons[other] = NAMED_ELSEWHERE
            keeper[face.who] = i
        else:
            reasons[i] = NAMED_ELSEWHERE
    return reasons
