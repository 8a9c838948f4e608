"""GET /health answers "ok" and how long the service has been up, in words (humanize)."""

import datetime
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import humanize

STARTED = datetime.datetime.now()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the name http.server calls)
        up = humanize.naturaldelta(datetime.datetime.now() - STARTED)
        status, body = (200, f"ok, up {up}\n") if self.path == "/health" else (404, "not found\n")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())


# docker stop sends SIGTERM: exit 0 instead of waiting to be killed.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("", 8000), Handler).serve_forever()
