"""A webhook receiver on loopback: records every POST, answers what a test tells it to."""

import contextlib
import http.server
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: str
    at: float


@dataclass
class Receiver:
    base: str
    received: list[Received] = field(default_factory=list)
    # per path, the statuses to answer in turn; 200 once they run out
    answers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    # or the status a test's function returns for each request (it may hold the request)
    answer_with: Callable[[Received], int] | None = None

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.at(path)) >= count:
                return self.at(path)
            time.sleep(0.1)
        raise TimeoutError(f"{path}: {len(self.at(path))} of {count} requests")


@contextlib.contextmanager
def receiver() -> Iterator[Receiver]:
    state = Receiver("")
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = Received(self.path, headers, body, time.time())
            with lock:
                state.received.append(request)
                queue = state.answers[self.path]
                status = queue.pop(0) if queue else 200
            if state.answer_with is not None:
                status = state.answer_with(request)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
