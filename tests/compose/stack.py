"""The real stack (docker-compose.yml plus compose.test.yml) as a compose project of its own."""

import io
import json
import re
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

from config.api_keys import HEADER, digest, new_key
from tests.compose.engine import Engine
from tests.service.helpers import ApiClient

REPO = Path(__file__).resolve().parents[2]
FILES = ("docker-compose.yml", "tests/compose/compose.test.yml")
TEST_IMAGE = "celebclf-test:latest"
PHOTOS = "http://photos:8080"  # the photo server, as the workers on the compose network see it


def official_base_images() -> dict[str, str]:
    """``{variable: default}`` of every base image docker-compose.yml names."""
    text = (REPO / "docker-compose.yml").read_text()
    return dict(re.findall(r"\$\{((?:PYTHON|REDIS|POSTGRES)_IMAGE):-([^}]+)\}", text))


def base_images(engine: Engine) -> dict[str, str]:
    """The official base images where the engine has them, else the Debian stand-ins."""
    official = official_base_images()
    if all(
        engine.run("image", "inspect", i, check=False).returncode == 0 for i in official.values()
    ):
        return official
    built = subprocess.run(
        [str(REPO / "deploy" / "local-images" / "build")],
        env=engine.env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if built.returncode:
        raise RuntimeError(f"deploy/local-images/build failed: {built.stderr[-3000:]}")
    return dict(line.split("=", 1) for line in built.stdout.split())


def host_dlib_wheel(engine: Engine) -> list[str]:
    """Build arguments handing the image the fast dlib this machine already built (CI builds it
    first) as an image of its own, so the image does not compile the same wheel again; none
    where the script cannot run here (the image then builds it)."""
    built = subprocess.run(
        [str(REPO / "scripts" / "build-dlib-wheel"), sys.executable],
        capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if built.returncode:
        return []
    wheel = Path(built.stdout.strip())
    image = f"celebclf-dlib-wheel:{wheel.parent.name.rpartition('.')[2]}"
    if engine.run("image", "inspect", image, check=False).returncode:
        with tarfile.open(fileobj=(archive := io.BytesIO()), mode="w") as tar:
            tar.add(wheel, arcname=wheel.name)
        subprocess.run(
            ["docker", "import", "-", image], input=archive.getvalue(), env=engine.env,
            capture_output=True, check=True, timeout=300,
        )  # fmt: skip
    return ["--build-arg", f"DLIB_WHEEL_IMAGE={image}"]


def build_app_image(engine: Engine, python_image: str, *labels: str) -> None:
    """Build the app image as TEST_IMAGE; a new ``label`` makes a new image from the same code."""
    engine.run(
        "build", "--network", "host", "--build-arg", f"PYTHON_IMAGE={python_image}",
        *host_dlib_wheel(engine),
        *(arg for label in labels for arg in ("--label", label)),
        "-t", TEST_IMAGE, str(REPO),
        timeout=3600,
    )  # fmt: skip


class Stack:
    """One compose project: compose commands, where its ports are, its containers and logs."""

    def __init__(self, engine: Engine, images: dict[str, str], photos: Path, logs: Path) -> None:
        self.engine = engine
        self.project = f"celebclf-test-{secrets.token_hex(4)}"
        self.password = secrets.token_hex(12)
        self.api_key = new_key()  # the API refuses to start without one
        self.logs = logs
        self.env = {
            **engine.env,
            **images,
            "CELEBCLF_IMAGE": TEST_IMAGE,
            "POSTGRES_PASSWORD": self.password,
            "CELEBCLF_TEST_API_KEYS": f"compose-test:{digest(self.api_key)}",
            "CELEBCLF_TEST_PHOTOS": str(photos),
            "CELEBCLF_WORKER_CONCURRENCY": "1",
        }
        self.workers = 1  # worker containers; every `up` keeps this scale
        self._followed: dict[str, subprocess.Popen] = {}

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        files = [arg for name in FILES for arg in ("-f", str(REPO / name))]
        result = subprocess.run(
            ["docker", "compose", "-p", self.project, "--project-directory", str(REPO),
             "--env-file", "/dev/null", *files, *args],
            env=self.env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        if result.returncode:
            raise RuntimeError(f"docker compose {' '.join(args)}: {result.stderr[-3000:]}")
        return result

    def up(self, *args: str, workers: int | None = None) -> None:
        """``up -d --wait`` (every service running or healthy) with ``workers`` worker
        containers (default: as many as before), then follow the new workers' logs."""
        self.workers = workers or self.workers
        self.compose(
            "up", "-d", "--wait", "--wait-timeout", "240", "--no-build",
            "--scale", f"worker={self.workers}", *args,
        )  # fmt: skip
        self.follow_worker_logs()

    def address(self, service: str, port: int) -> str:
        """host:port of a published port (the engine picks it, on loopback)."""
        return self.compose("port", service, str(port)).stdout.strip()

    @property
    def api(self) -> ApiClient:
        """A client of the API that sends the stack's key."""
        client = ApiClient(f"http://{self.address('api', 8000)}")
        client.headers[HEADER] = self.api_key
        return client

    @property
    def database_url(self) -> str:
        address = self.address("postgres", 5432)
        return f"postgresql+psycopg2://celebclf:{self.password}@{address}/celebclf"

    @property
    def network(self) -> str:
        return f"{self.project}_default"

    def containers(self, service: str) -> list[str]:
        """Ids of the service's containers; the first 12 characters are each one's hostname."""
        return self.compose("ps", "-q", service).stdout.split()

    def worker_answers(self, container: str) -> bool:
        """Whether the container's health check passes now, run at once rather than at the
        engine's next interval (a worker's: a ping it must read from the broker to answer)."""
        check = self.engine.run("inspect", "-f", "{{json .Config.Healthcheck.Test}}", container)
        kind, *command = json.loads(check.stdout)
        argv = ["sh", "-c", *command] if kind == "CMD-SHELL" else command
        return self.engine.run("exec", container, *argv, check=False).returncode == 0

    def health(self, container: str) -> str:
        """The engine's view of the container's health check: starting, healthy, unhealthy."""
        inspect = self.engine.run("inspect", "-f", "{{.State.Health.Status}}", container)
        return inspect.stdout.strip()

    def follow_worker_logs(self) -> None:
        """Copy each worker container's output to logs/worker-<hostname>.log as it is written,
        so a container that is later removed (an upgrade) still has its log."""
        for container in self.containers("worker"):
            if container not in self._followed:
                out = (self.logs / f"worker-{container[:12]}.log").open("ab")
                self._followed[container] = subprocess.Popen(
                    ["docker", "logs", "-f", container],
                    env=self.env, stdout=out, stderr=subprocess.STDOUT,
                )  # fmt: skip

    def service_log(self, service: str) -> Path:
        """The service's output so far, saved as logs/<service>.log."""
        path = self.logs / f"{service}.log"
        path.write_text(self.compose("logs", "--no-log-prefix", "--no-color", service).stdout)
        return path

    def leftovers(self) -> list[str]:
        """Containers, networks and volumes of this project that still exist."""
        label = f"label=com.docker.compose.project={self.project}"
        found = []
        for kind in (("ps", "-a"), ("network", "ls"), ("volume", "ls")):
            ids = self.engine.run(*kind, "-q", "--filter", label).stdout.split()
            found += [f"{kind[0]} {i}" for i in ids]
        return found

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", timeout=600)
        for follower in self._followed.values():
            follower.terminate()
            follower.wait()
