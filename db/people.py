"""People an owner has taught the service: create, rename, merge, delete, count examples."""

from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.counting import status_counts
from db.models import Example, ExampleStatus, Face, Person, utcnow
from db.owners import note_change


class NameTaken(Exception):
    """Another of the owner's people already has this name."""


class TooMany(Exception):
    """A per-owner or per-person limit would be exceeded."""


def _name_free(session: Session, owner: str, name: str, person_id: str | None = None) -> None:
    taken = session.scalar(
        select(Person.id).where(Person.owner == owner, Person.name == name, Person.id != person_id)
    )
    if taken:
        raise NameTaken(name)


def _flush_unique(session: Session, name: str) -> None:
    """Flush; a concurrent writer's equal name surfaces here as NameTaken."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise NameTaken(name) from exc


def create(session: Session, owner: str, name: str, max_people: int) -> Person:
    if (
        session.scalar(select(func.count()).select_from(Person).where(Person.owner == owner))
        >= max_people
    ):
        raise TooMany(f"an owner may have at most {max_people} people")
    _name_free(session, owner, name)
    person = Person(owner=owner, name=name)
    session.add(person)
    _flush_unique(session, name)
    note_change(session, owner)
    return person


def get(session: Session, owner: str, person_id: str) -> Person | None:
    """The owner's person, or None (another owner's id is as good as absent)."""
    person = session.get(Person, person_id)
    return person if person is not None and person.owner == owner else None


def rename(session: Session, person: Person, name: str) -> Person:
    if name != person.name:
        _name_free(session, person.owner, name, person.id)
        person.name, person.updated_at = name, utcnow()
        _flush_unique(session, name)
        note_change(session, person.owner)
    return person


def remove(session: Session, person: Person) -> None:
    """Delete the person and their examples; their faces in past jobs stay, unnamed."""
    session.delete(person)
    session.flush()
    note_change(session, person.owner, person_removed=True)


def merge(session: Session, source: Person, target: Person) -> Person:
    """``source`` was the same person as ``target``: its examples and appearances move over.

    An example whose photo the target already has would be a duplicate and goes with source.
    """
    held = select(Example.sha256).where(Example.person_id == target.id, Example.sha256.isnot(None))
    session.execute(delete(Example).where(Example.person_id == source.id, Example.sha256.in_(held)))
    session.execute(
        update(Example).where(Example.person_id == source.id).values(person_id=target.id)
    )
    session.execute(update(Face).where(Face.person_id == source.id).values(person_id=target.id))
    target.updated_at = utcnow()
    remove(session, source)
    return target


def example_counts(session: Session, person_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Examples per status of many people in one grouped query."""
    return status_counts(session, Example.person_id, Example.status, person_ids, ExampleStatus)
