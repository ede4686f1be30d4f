"""What every endpoint of the family starts with: the caller's seeded owner and their rows."""

from sqlalchemy.orm import Session

from api.access import current_owner
from api.context import settings
from api.errors import ApiError
from db import people
from db.models import Person
from db.session import unit_of_work
from tasks.serving import ensure_owner


def owner() -> str:
    """The caller, given the shipped people and model the first time they are seen (in a
    transaction of its own, so the seed stays even when this request then fails)."""
    name = current_owner()
    with unit_of_work(settings().database_url) as seeding:
        ensure_owner(seeding, settings(), name)
    return name


def own_person(session: Session, person_id) -> Person:
    person = people.get(session, owner(), str(person_id))
    if person is None:
        raise ApiError(404, "not_found", f"no person {person_id}")
    return person
