"""The ``celebclf`` entry point: every command is reachable, and running one imports only its
own module (a service start is not slowed by the imports of ``train``)."""

import argparse
import importlib
import os
import subprocess
import sys

import pytest

from cli.main import COMMANDS, build_parser
from cli.service import open_api_refusal
from config import Settings


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


def test_the_api_refuses_to_listen_beyond_loopback_with_no_key():
    """Compose and the Procfile bind 0.0.0.0: with no key, anyone who reached the port could
    enrol and delete people. The command stops before it starts gunicorn, and says how."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELEBCLF_")}
    refused = subprocess.run(
        [sys.executable, "-m", "cli.main", "api", "--host", "0.0.0.0"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "CELEBCLF_API_KEYS" in refused.stderr and "CELEBCLF_ALLOW_OPEN=1" in refused.stderr


@pytest.mark.parametrize(
    ("host", "env", "refused"),
    [
        ("0.0.0.0", {}, True),
        ("::", {}, True),
        ("192.168.1.5", {}, True),
        ("my-host", {}, True),
        ("0.0.0.0", {"CELEBCLF_ALLOW_OPEN": "1"}, False),
        ("0.0.0.0", {"CELEBCLF_API_KEYS": f"alice:{'0' * 64}"}, False),
        ("127.0.0.1", {}, False),
        ("::1", {}, False),
        ("localhost", {}, False),
    ],
)
def test_the_api_runs_open_only_on_loopback_or_when_told(host, env, refused):
    assert (open_api_refusal(host, Settings.from_env(env)) is not None) is refused
