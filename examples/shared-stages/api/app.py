"""Serve the API on 0.0.0.0:$PORT (8000); exit cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import bottle

app = bottle.Bottle()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "service": "api"}


@app.get("/hello/<name>")
def hello(name: str) -> dict[str, str]:
    return {"message": f"hello, {name}"}


class StdoutHandler(WSGIRequestHandler):
    def log_message(self, fmt: str, *args: object) -> None:
        sys.stdout.write(f"{self.address_string()} {fmt % args}\n")


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    server = make_server("0.0.0.0", port, app, handler_class=StdoutHandler)

    def on_sigterm(signum: int, frame: object) -> None:
        # PID 1 gets no default SIGTERM action: without a handler `docker stop` waits 10 s.
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_sigterm)
    print(f"api listening on :{port}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        print("api stopped", flush=True)


if __name__ == "__main__":
    main()
