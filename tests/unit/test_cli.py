"""The ``celebclf`` entry point: every command is reachable, and running one imports only its
own module (a service start is not slowed by the imports of ``train``)."""

import argparse
import importlib
import subprocess
import sys

import pytest

from cli.main import COMMANDS, build_parser


def _registered(module: str) -> set[str]:
    commands = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(commands)
    return set(commands.choices)


def test_every_registered_command_is_mapped_to_the_module_that_registers_it():
    for module in set(COMMANDS.values()):
        assert _registered(module) == {name for name, m in COMMANDS.items() if m == module}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_full_parser_knows_every_command(name, capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([name, "--help"])
    assert exited.value.code == 0
    assert f"usage: celebclf {name}" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["api"], ["sweeper"], ["db", "upgrade"]])
def test_a_service_command_does_not_import_the_training_stack(argv):
    probe = (
        "import sys; from cli.main import build_parser; "
        f"build_parser({argv!r}).parse_args({argv!r}); "
        "print(sorted(m for m in ('sklearn', 'dlib', 'cv2', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
