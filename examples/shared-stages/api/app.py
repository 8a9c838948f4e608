"""Serve the API on 0.0.0.0:$PORT (8000); on SIGTERM, answer the request in flight and exit 0."""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, make_server

import bottle

app = bottle.Bottle()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": "api"}


@app.get("/hello/<name>")
def hello(name: str) -> dict[str, str]:
    return {"message": f"hello, {name}"}


@app.get("/slow")
def slow() -> dict[str, float]:
    """A request that takes a while (at most 30 s), to show that `docker stop` lets it finish."""
    try:
        seconds = float(bottle.request.query.get("seconds", 2))
    except ValueError:
        seconds = 2.0
    seconds = min(max(seconds, 0.0), 30.0) if math.isfinite(seconds) else 2.0
    time.sleep(seconds)
    return {"slept": seconds}


class StdoutHandler(WSGIRequestHandler):
    def log_message(self, fmt: str, *args: object) -> None:
        sys.stdout.write(f"{self.address_string()} {fmt % args}\n")


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    server = make_server("0.0.0.0", port, app, handler_class=StdoutHandler)

    def on_sigterm(signum: int, frame: object) -> None:
        # PID 1 gets no default SIGTERM action: without a handler `docker stop` waits 10 s.
        # shutdown() makes serve_forever() return once the request in flight is answered; it
        # waits for that, so it runs in a thread of its own, not in the serving thread.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    print(f"api listening on :{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        print("api stopped", flush=True)


if __name__ == "__main__":
    main()
