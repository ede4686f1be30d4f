"""A Docker engine for the compose tests: the one that answers, else a private one started here.

The private engine leaves the host's network as it found it, because other people's tests share
it: no iptables rules, no IP forwarding, no masquerading, no docker0 bridge. Compose networks
are bridges of their own, removed with their project; published ports reach the host through
docker-proxy, and builds use the host's network. Its socket and runtime state live in RUN_DIR;
its images and build cache in DATA_ROOT, kept between runs so images are built once a machine.
"""

import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

RUN_DIR = Path("/run/celebclf-docker")
DATA_ROOT = Path("/var/lib/celebclf-docker")
MIN_COMPOSE = (2, 24)  # env_file entries with path/required
DOCKERD_FLAGS = ("--iptables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none")


@dataclass
class Engine:
    """Where docker commands go (``env``), and the dockerd this run started, if any."""

    env: dict[str, str]
    process: subprocess.Popen | None = None

    def run(
        self, *args: str, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["docker", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode:
            raise RuntimeError(f"docker {' '.join(args)}: {result.stderr.strip()[-2000:]}")
        return result


def answers(env: dict[str, str]) -> bool:
    try:
        return Engine(env).run("version", timeout=15, check=False).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def unavailable() -> str | None:
    """Why the compose tests cannot run here, or None."""
    if not shutil.which("docker"):
        return "no docker CLI (Debian: apt-get install docker.io; .ci/run installs it)"
    version = subprocess.run(
        ["docker", "compose", "version", "--short"], capture_output=True, text=True
    ).stdout
    found = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if found < MIN_COMPOSE:
        return f"docker compose >= 2.24 is needed, found {version.strip() or 'none'}"
    if subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode:
        return "the docker buildx plugin (BuildKit) is needed for COPY --chmod and cache mounts"
    if answers(dict(os.environ)):
        return None
    if not shutil.which("dockerd") or os.geteuid() != 0:
        return "no Docker engine answers, and starting one needs dockerd and root"
    return None


def network_state() -> dict[str, str]:
    """What a Docker engine may change on the host that other programs would feel."""
    state = {
        key: Path("/proc/sys", key).read_text().strip()
        for key in ("net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding")
    }
    for command in ("iptables", "ip6tables"):
        if shutil.which(command):
            for table in ("filter", "nat"):
                state[f"{command} -t {table}"] = subprocess.run(
                    [command, "-w", "-t", table, "-S"], capture_output=True, text=True
                ).stdout
    state["links"] = " ".join(sorted(_link_names()))
    return state


def _link_names() -> list[str]:
    """Network links by name, a veth by the bridge it is on: another engine's container that
    restarts meanwhile gets a new veth name on the same bridge, which is not our change."""
    names = []
    for name in os.listdir("/sys/class/net"):
        master = Path("/sys/class/net", name, "master")
        if name.startswith("veth") and master.exists():
            names.append(f"veth@{master.resolve().name}")
        else:
            names.append(name)
    return names


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _stop_leftover() -> None:
    """A private dockerd a crashed run left behind is stopped before a new one starts."""
    with contextlib.suppress(OSError, ValueError):
        pid = int((RUN_DIR / "dockerd.pid").read_text())
        if b"dockerd" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, 15)
            for _ in range(600):
                if not Path(f"/proc/{pid}").exists():
                    return
                time.sleep(0.1)


def _start_private(log: Path) -> Engine:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    _stop_leftover()
    socket = RUN_DIR / "docker.sock"
    command = [
        "dockerd",
        f"--host=unix://{socket}",
        f"--data-root={DATA_ROOT}",
        f"--exec-root={RUN_DIR / 'exec'}",
        f"--pidfile={RUN_DIR / 'dockerd.pid'}",
        *DOCKERD_FLAGS,
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
    engine = Engine({**os.environ, "DOCKER_HOST": f"unix://{socket}"}, process)
    deadline = time.monotonic() + 60
    while not answers(engine.env):
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            raise RuntimeError(f"dockerd did not start: {log.read_text()[-2000:]}")
        time.sleep(0.5)
    return engine


@contextlib.contextmanager
def docker_engine(log: Path) -> Iterator[Engine]:
    """The engine that answers (left running), else a private one, stopped on exit."""
    if answers(dict(os.environ)):
        yield Engine(dict(os.environ))
        return
    engine = _start_private(log)
    try:
        yield engine
    finally:
        _stop(engine.process)
