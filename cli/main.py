"""Entry point of ``celebclf``: builds the subcommand parser and dispatches."""

import argparse
import sys

from cli import evaluate, keys, models, people, predict, service, train, up

SUBCOMMANDS = (up, train, predict, evaluate, service, keys, people, models)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="celebclf", description="Tell which known person's face is in a photo."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
