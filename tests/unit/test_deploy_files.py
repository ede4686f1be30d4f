"""docker-compose.yml, Dockerfile and Procfile, checked offline (no Docker engine here)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli.main import build_parser
from config import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
ONE_SHOT = {"migrate"}


def test_compose_file_is_valid_against_the_compose_spec():
    compose = str(REPO / "docker-compose.yml")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            compose,
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_reference_exists():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if not source.startswith((".", "/")):
                assert source in COMPOSE["volumes"], f"{name} mounts undeclared {source}"


def test_every_variable_is_documented_and_no_secret_has_a_default():
    text = (REPO / "docker-compose.yml").read_text()
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.MULTILINE)
    )
    for name, rest in re.findall(r"\$\{([A-Z0-9_]+)([^}]*)\}", text):
        assert name in documented, f"${{{name}}} is not in .env.example"
        if "PASSWORD" in name:
            assert rest.startswith(":?"), f"{name} must be required, never defaulted"


def test_long_running_services_have_health_checks_and_restart():
    for name, service in SERVICES.items():
        if name in ONE_SHOT:
            continue
        assert "healthcheck" in service, name
        assert service.get("restart") == "unless-stopped", name


def test_worker_scales_and_outlives_its_tasks():
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker
    grace = int(worker["stop_grace_period"].rstrip("s"))
    assert grace > Settings.from_env({}).task_time_limit_s


def test_only_the_api_is_published_by_default():
    published = {name for name, s in SERVICES.items() if "ports" in s and "profiles" not in s}
    assert published == {"api"}
    assert SERVICES["flower"]["profiles"] == ["monitoring"]


def test_published_ports_are_on_loopback_unless_told():
    """Compose publishes on every host interface when a mapping names no address."""
    assert SERVICES["api"]["ports"] == [
        "${CELEBCLF_PUBLISH_ADDRESS:-127.0.0.1}:${CELEBCLF_PORT:-8000}:8000"
    ]
    assert SERVICES["flower"]["ports"] == [
        "${FLOWER_PUBLISH_ADDRESS:-127.0.0.1}:${FLOWER_PORT:-5555}:5555"
    ]


def _flower_script() -> str:
    kind, flag, script = SERVICES["flower"]["command"]
    assert (kind, flag) == ("sh", "-c")
    return script.replace("$$", "$")  # compose's escape of a literal $


def test_flower_listens_where_its_port_is_mapped_whatever_the_env_file_says():
    """.env reaches every app container, and Flower takes FLOWER_PORT (meant as the host
    port) as its own --port: with FLOWER_PORT=5556 it listened on 5556, mapped to 5555."""
    flower = SERVICES["flower"]
    assert flower["environment"]["FLOWER_PORT"] == "5555"
    assert _flower_script().endswith("flower --port=5555")


def test_flower_starts_only_behind_a_password(tmp_path):
    """Flower shows every task's arguments (users' photo URLs): with no FLOWER_BASIC_AUTH its
    container exits saying what to set; with one it execs Flower (a stand-in ``celery``)."""
    celery = tmp_path / "celery"
    celery.write_text('#!/bin/sh\necho "celery $*"\n')
    celery.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin"}
    refused = subprocess.run(
        ["sh", "-c", _flower_script()], env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "FLOWER_BASIC_AUTH" in refused.stderr
    started = subprocess.run(
        ["sh", "-c", _flower_script()], env={**env, "FLOWER_BASIC_AUTH": "admin:secret"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert started.stdout.startswith("celery -A tasks.celery_app:celery_app flower")


def test_app_services_share_one_image_and_differ_by_command():
    image = "${CELEBCLF_IMAGE:-celebclf:latest}"
    app = {name: s for name, s in SERVICES.items() if s.get("image") == image}
    assert set(app) == {"migrate", "api", "worker", "sweeper", "flower"}
    assert len({repr(s["build"]) for s in app.values()}) == 1
    assert SERVICES["redis"]["command"][-2:] == ["--maxmemory-policy", "noeviction"]
    assert "--appendonly" in SERVICES["redis"]["command"]


def _celebclf_args(command: list[str]) -> list[str]:
    if command[0] == "sh":
        command = shlex.split(command[-1].removeprefix("exec "))
    assert command[0] == "celebclf"
    return [arg.replace("$$HOSTNAME", "h") for arg in command[1:]]


@pytest.mark.parametrize("service", ["migrate", "api", "worker", "sweeper"])
def test_compose_commands_are_real_subcommands(service):
    args = _celebclf_args(SERVICES[service]["command"])
    args = [re.sub(r"\$\{[^}]*:-([^}]*)\}", r"\1", arg) for arg in args]
    assert build_parser().parse_args(args).handler


def test_procfile_commands_are_real_subcommands():
    for line in (REPO / "Procfile").read_text().splitlines():
        kind, command = line.split(":", 1)
        args = shlex.split(command.replace("$PORT", "8000"))
        assert args[0] == "celebclf", kind
        assert build_parser().parse_args(args[1:]).handler
    assert {"web", "worker"} <= {
        line.split(":")[0] for line in (REPO / "Procfile").read_text().splitlines()
    }


def test_dockerfile_runs_as_non_root_with_the_pixel_limit_and_the_lock():
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\}$", text, re.MULTILINE)
    assert re.search(r"^USER celebclf", text, re.MULTILINE)
    assert "OPENCV_IO_MAX_IMAGE_PIXELS=" in text
    assert "pip install -c constraints.txt" in text
    assert "COPY --chmod=0444 models/default" in text
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, re.MULTILINE))
    packages = {p.name for p in REPO.iterdir() if (p / "__init__.py").is_file()} - {
        "tests",
        "bench",
    }
    assert copied == packages, "every package the app imports is copied into the image"


def test_base_images_default_to_the_official_ones_and_have_local_stand_ins():
    """A user on the internet changes nothing; deploy/local-images/build sets every variable."""
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", dockerfile, re.MULTILINE)
    build_args = COMPOSE["x-app"]["build"]["args"]
    assert build_args == {"PYTHON_IMAGE": "${PYTHON_IMAGE:-python:3.11-slim}"}
    assert SERVICES["redis"]["image"] == "${REDIS_IMAGE:-redis:7-alpine}"
    assert SERVICES["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:15-alpine}"
    script = (REPO / "deploy" / "local-images" / "build").read_text()
    printed = set(re.findall(r'^echo "([A-Z_]+)=', script, re.MULTILINE))
    assert printed == {"PYTHON_IMAGE", "REDIS_IMAGE", "POSTGRES_IMAGE"}


def test_the_image_builds_dlib_as_ci_does():
    """One recipe for the fast dlib: the image's build stage runs the script CI runs."""
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^RUN .*\n?.*/src/scripts/build-dlib-wheel python", dockerfile, re.M)
    assert "--find-links /wheels" in dockerfile
