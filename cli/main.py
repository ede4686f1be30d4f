"""Entry point of ``celebclf``: builds the subcommand parser and dispatches.

Only the module of the command being run is imported: ``celebclf api`` execs gunicorn and
``celebclf sweeper`` needs no scikit-learn, so neither pays seconds of imports for ``train``
and ``evaluate`` (each ``celebclf up`` child, each compose container, each start).
"""

import argparse
import importlib
import sys

# command -> the module that registers and runs it
COMMANDS = {
    "up": "cli.up",
    "train": "cli.train",
    "predict": "cli.predict",
    "split": "cli.evaluate",
    "evaluate": "cli.evaluate",
    "db": "cli.service",
    "api": "cli.service",
    "worker": "cli.service",
    "sweeper": "cli.service",
    "keys": "cli.keys",
    "people": "cli.people",
    "models": "cli.models",
    "faces": "cli.faces",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser with every command (for help and errors), or only the one ``argv`` names."""
    parser = argparse.ArgumentParser(
        prog="celebclf", description="Tell which known person's face is in a photo."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    named = argv[0] if argv else None
    modules = [COMMANDS[named]] if named in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for module in modules:
        importlib.import_module(module).register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
