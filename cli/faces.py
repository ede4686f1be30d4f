"""``celebclf faces recluster``: cluster every owner's unknown faces afresh (scikit-learn's
DBSCAN), correcting the drift of clustering job by job; rejected and named faces stay out.

Needs DATABASE_URL; safe while workers run (each owner's clusters are locked while redone).
"""

import argparse
import json

from config import get_settings
from db import clusters
from db.session import unit_of_work


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("faces", help="the faces of the service's jobs")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    redo = actions.add_parser("recluster", help="cluster the unknown faces afresh")
    redo.add_argument("--owner", help="only this owner (default: every owner)")
    redo.set_defaults(handler=run_recluster)


def run_recluster(args: argparse.Namespace) -> int:
    """Prints one JSON line per owner: clusters per pipeline."""
    settings = get_settings()
    with unit_of_work(settings.database_url) as session:
        owners = [args.owner] if args.owner else clusters.owners(session)
    for owner in owners:
        with unit_of_work(settings.database_url) as session:
            found = clusters.recompute_owner(
                session,
                owner,
                settings.cluster_eps,
                settings.cluster_min_size,
                settings.retention_s,
            )
        print(json.dumps({"owner": owner, "clusters": found}))
    return 0
