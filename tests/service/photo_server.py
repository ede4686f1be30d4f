"""An HTTP server of a photo folder, with /slow/<seconds>/<path> to keep a worker busy on
purpose. Standard library only: the compose tests run this file in a container on the compose
network (``python photo_server.py FOLDER PORT``)."""

import functools
import http.server
import sys
import time


class PhotoHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder, plus /slow/<seconds>/<path>, answered only after that long."""

    def log_message(self, *_args) -> None:
        pass

    def do_GET(self) -> None:
        parts = self.path.split("/")
        if len(parts) > 3 and parts[1] == "slow":
            time.sleep(float(parts[2]))
            self.path = "/" + "/".join(parts[3:])
        super().do_GET()


def serve(folder: str, port: int, host: str = "0.0.0.0") -> http.server.ThreadingHTTPServer:
    handler = functools.partial(PhotoHandler, directory=folder)
    return http.server.ThreadingHTTPServer((host, port), handler)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2])).serve_forever()
