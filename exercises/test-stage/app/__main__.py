"""python -m app: GET /health answers "ok", GET /price/CENTS the price as money."""

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.prices import format_price


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path == "/health":
            self.answer(200, "ok\n")
        elif self.path.startswith("/price/") and self.path[7:].lstrip("-").isdigit():
            self.answer(200, format_price(int(self.path[7:])) + "\n")
        else:
            self.answer(404, "not found\n")

    def answer(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


# docker stop sends SIGTERM: exit 0 instead of waiting to be killed.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("", 8000), Handler).serve_forever()
