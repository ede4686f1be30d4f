"""``celebclf people import DIR``: enrol a folder of photos (one sub-folder per person, as
``celebclf train`` reads) through the service's own path: rows, queue, workers.

Needs what a worker needs (DATABASE_URL, REDIS_URL) and running workers to do the enrolling;
it waits for them with a progress bar, then prints what each person got.
"""

import argparse
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import select
from tqdm import tqdm

from api.intake import bytes_item
from config import get_settings
from db import examples, people
from db.models import Example, ExampleStatus, Person
from db.session import unit_of_work
from training.dataset import Photo, list_photos

DONE = (ExampleStatus.accepted, ExampleStatus.rejected)


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("people", help="people the service knows")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser("import", help="enrol DIR/<person>/<photo> as examples")
    load.add_argument("folder", metavar="DIR", type=Path)
    load.add_argument("--owner", default="public", help="whose people (default: public)")
    load.add_argument("--timeout", type=float, default=1800, help="seconds to wait for workers")
    load.add_argument("--no-progress", action="store_true")
    load.set_defaults(handler=run_import)


def _person(session, owner: str, name: str, settings) -> Person:
    found = session.scalars(select(Person).where(Person.owner == owner, Person.name == name))
    return found.one_or_none() or people.create(session, owner, name, settings.max_people)


def _enrol(owner: str, by_person: dict[str, list[Photo]], settings) -> list[str]:
    """Rows for every photo, committed, then queued; returns every new example id."""
    from tasks.dispatch import enqueue_committed
    from tasks.serving import ensure_owner

    created, queued = [], []
    with unit_of_work(settings.database_url) as session:
        ensure_owner(session, settings, owner)
        for name, photos in by_person.items():
            person = _person(session, owner, name, settings)
            items = [bytes_item("upload", p.path.read_bytes(), p.path.name) for p in photos]
            examples.check_room(session, person, len(items), settings.max_examples_per_person)
            new, waiting = examples.add(session, person, items)
            created, queued = created + new, queued + waiting
    enqueue_committed(settings, examples.KIND, queued)
    return created


def _wait(ids: list[str], settings, timeout: float, progress: bool) -> list[Example]:
    deadline = time.monotonic() + timeout
    with tqdm(total=len(ids), desc="enrolling", unit="photo", disable=not progress) as bar:
        while True:
            with unit_of_work(settings.database_url) as session:
                rows = list(session.scalars(select(Example).where(Example.id.in_(ids))))
            done = sum(row.status in DONE for row in rows)
            bar.update(done - bar.n)
            if done == len(ids) or time.monotonic() > deadline:
                return rows
            time.sleep(1)


def _summary(rows: list[Example], names: dict[str, str]) -> list[str]:
    by_person: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        key = "accepted" if row.status == ExampleStatus.accepted else row.error_code or row.status
        by_person[names[row.person_id]][key] += 1
    lines = []
    for name, counts in sorted(by_person.items()):
        accepted = counts.pop("accepted", 0)
        why = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items()))
        lines.append(
            f"{name}: accepted {accepted}, rejected {sum(counts.values())}"
            + (f" ({why})" if why else "")
        )
    return lines


def run_import(args: argparse.Namespace) -> int:
    settings = get_settings()
    if not settings.redis_url:
        print("REDIS_URL is not set: workers take the photos from the queue", file=sys.stderr)
        return 2
    try:
        photos = list_photos(args.folder)
    except (FileNotFoundError, ValueError) as exc:
        print(f"celebclf people import: {exc}", file=sys.stderr)
        return 2
    by_person: dict[str, list[Photo]] = defaultdict(list)
    for photo in photos:
        by_person[photo.person].append(photo)
    try:
        ids = _enrol(args.owner, by_person, settings)
    except (people.TooMany, examples.TooMany) as exc:
        print(f"celebclf people import: {exc}", file=sys.stderr)
        return 2
    rows = _wait(ids, settings, args.timeout, not args.no_progress)
    with unit_of_work(settings.database_url) as session:
        owned = select(Person.id, Person.name).where(Person.owner == args.owner)
        names = dict(session.execute(owned).all())
    for line in _summary(rows, names):
        print(line)
    pending = sum(row.status not in DONE for row in rows)
    if pending:
        print(f"{pending} photos still waiting for a worker (is one running?)", file=sys.stderr)
        return 1
    return 0
