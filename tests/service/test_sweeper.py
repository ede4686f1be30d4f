"""Nothing accepted is lost: a job accepted while the broker is unreachable still completes."""

import requests

from tests.service.helpers import Service


def test_job_accepted_while_broker_down_is_sent_by_the_sweeper(service, kept_photos, tmp_path):
    """A second API process whose broker is unreachable still accepts (202); the sweeper
    of the running service finds the row it never enqueued and the job completes."""
    env = dict(service.env, REDIS_URL="redis://127.0.0.1:1/0")
    broken = Service(env, tmp_path)
    broken.spawn("api-no-broker", "api", "--port", str(broken.port), "--processes", "1", env=env)
    try:
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{broken.base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        path, person = kept_photos[4]
        response = requests.post(
            f"{broken.base}/api/v1/jobs", timeout=30, files={"file": (path.name, path.read_bytes())}
        )
        assert response.status_code == 202
        assert requests.get(f"{broken.base}/readyz").status_code == 503
        job = service.wait_job(response.json()["id"], timeout=60)
        assert job["status"] == "succeeded"
        assert job["faces"][0]["label"] == person
    finally:
        broken.stop()
