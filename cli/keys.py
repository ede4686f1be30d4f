"""``celebclf keys new OWNER``: a new API key, and the line that configures its digest.

The key itself is printed once and stored nowhere; the service keeps only its SHA-256.
"""

import argparse

from config.api_keys import digest, new_key
from config.settings import OWNER_NAME


def register(commands: argparse._SubParsersAction) -> None:
    keys = commands.add_parser("keys", help="API keys")
    keys.add_argument("action", choices=["new"], help="new: make a key for OWNER")
    keys.add_argument("owner", help="name the owner's jobs and batches are filed under")
    keys.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not OWNER_NAME.fullmatch(args.owner):
        raise SystemExit("owner: 1-64 letters, digits, or . _ @ -")
    key = new_key()
    print(f"key (give it to {args.owner}; it is not stored anywhere): {key}")
    print(f"add to CELEBCLF_API_KEYS (comma-separated): {args.owner}:{digest(key)}")
    return 0
