"""The runtime contract: what production asks of a runner image beyond its health check.

    <!-- claim: contract python-api:runner-minimal python 8000 -->
    <!-- claim: contract node-app:runner node 3000 fails=tls -->

Four points, each run in the image with its own runtime (python, node, or a Go binary /server
that has the -get, -zone and -whoami flags):

    tls    an HTTPS request to a local server verifies against the image's system CA bundle: the
           request fails while the server's CA is unknown, and succeeds once that CA is mounted
           over the bundle's path (/etc/ssl/certs/ca-certificates.crt), as a reader would add
           a company CA
    zone   the runtime resolves the time zone Asia/Seoul (+09:00)
    user   the runtime user's name and home directory resolve under its numeric UID, and HOME
           is that home directory
    drain  `docker stop` while a slow request (GET /slow?seconds=N) is in flight: the request
           completes with 200 and the process exits 0, within STOP_GRACE seconds (half Docker's
           default: a server that drains needs only the request's time; one that ignores
           SIGTERM is killed sooner)

`fails=POINT,...` names points the page documents as not met: the check then wants them to fail.
The read-only root filesystem is the `readonly` claim (harness.claims). Every check returns None
when the contract holds, or what happened instead. All traffic stays on loopback: the TLS server
runs in a container whose network namespace the probe joins.
"""

from __future__ import annotations

import concurrent.futures
import functools
import re
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import docker.errors

from harness import images, outcomes

POINTS = ("tls", "zone", "user", "drain")
BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
ZONE, OFFSET = "Asia/Seoul", "+09:00"
TLS_PORT = 8443
URL = f"https://localhost:{TLS_PORT}/"
SLOW_SECONDS = 3
STOP_GRACE = 5
# The TLS server's image: a base image every run of the suite has.
SERVER_IMAGE = "python:3.13-slim"

PYTHON_TLS = """import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except Exception as error:
    print(type(error).__name__, error)
    sys.exit(1)"""
PYTHON_ZONE = ("import datetime as d, zoneinfo as z; print(d.datetime(2026, 1, 1, tzinfo=d.timezone.utc)"
               f".astimezone(z.ZoneInfo({ZONE!r})).strftime('%:z'))")
PYTHON_USER = ("import os, pwd; e = pwd.getpwuid(os.getuid()); "
               "print(f'uid={os.getuid()} name={e.pw_name} home={e.pw_dir} HOME={os.environ.get(\"HOME\")}')")
NODE_TLS = ("require('https').get(process.argv[1], r => { console.log(r.statusCode); "
            "process.exit(r.statusCode === 200 ? 0 : 1) })"
            ".on('error', e => { console.log(e.code || e.message); process.exit(1) })")
NODE_ZONE = ("console.log(new Intl.DateTimeFormat('en-US', "
             f"{{timeZone: {ZONE!r}, timeZoneName: 'longOffset'}})"
             ".format(new Date(Date.UTC(2026, 0, 1))).split('GMT')[1])")
NODE_USER = ("const u = require('os').userInfo(); "
             "console.log(`uid=${u.uid} name=${u.username} home=${u.homedir} HOME=${process.env.HOME}`)")

PROBES = {
    "python": {"tls": ["python3", "-c", PYTHON_TLS, URL], "zone": ["python3", "-c", PYTHON_ZONE],
               "user": ["python3", "-c", PYTHON_USER]},
    "node": {"tls": ["node", "-e", NODE_TLS, URL], "zone": ["node", "-e", NODE_ZONE],
             "user": ["node", "-e", NODE_USER]},
    "go": {"tls": ["/server", "-get", URL], "zone": ["/server", "-zone", ZONE],
           "user": ["/server", "-whoami"]},
}

TLS_SERVER = f"""import http.server, ssl
class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
server = http.server.HTTPServer(("127.0.0.1", {TLS_PORT}), Ok)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("/tls/server.pem", "/tls/server.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.serve_forever()"""


class ContractError(AssertionError):
    pass


@functools.cache
def certificates() -> Path:
    """A throwaway CA and a certificate it signed for localhost, made once per session."""
    folder = Path(tempfile.mkdtemp(prefix="multistage-guide-tls-"))
    folder.chmod(0o755)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    # With the extensions a real CA sets: Python 3.13 verifies strictly (VERIFY_X509_STRICT)
    # and refuses a CA without key usage.
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=guide test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", "server.key", "-out", "server.csr")
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                    "extendedKeyUsage=serverAuth\n"
                                    "authorityKeyIdentifier=keyid\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    for path in folder.iterdir():
        path.chmod(0o644)  # the probe runs as the image's user
    return folder


def remove(container) -> None:
    """Remove a container; the engine may still be removing one whose network namespace another
    container joined (409 "removal ... is already in progress"), which ends the same way."""
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as error:
        if error.status_code != 409:
            raise


def probe(tag: str, command: list[str], **kwargs) -> tuple[int, str]:
    """Run one command in the image as its own user; return exit code and output."""
    container = images.start(tag, command, **kwargs)
    try:
        code = container.wait(timeout=60)["StatusCode"]
        return code, container.logs().decode(errors="replace").strip()
    finally:
        remove(container)


def said(code: int, output: str) -> str:
    """The last line a probe printed (a traceback ends with its error), or its exit code."""
    return output.splitlines()[-1] if output else f"exit {code}"


def check_tls(tag: str, runtime: str, environment: dict[str, str] | None = None) -> str | None:
    certs = certificates()
    server = images.start(SERVER_IMAGE, ["python3", "-c", TLS_SERVER],
                          volumes={str(certs): {"bind": "/tls", "mode": "ro"}})
    try:
        deadline = time.monotonic() + 20
        while b"ready" not in server.logs():
            server.reload()
            if server.status == "exited" or time.monotonic() > deadline:
                return f"the test TLS server did not start: {server.logs().decode(errors='replace')[-300:]}"
            time.sleep(0.2)
        network = f"container:{server.id}"
        code, unknown = probe(tag, PROBES[runtime]["tls"], network_mode=network, environment=environment)
        if code == 0:
            return f"trusted a server whose CA is in no bundle (it does not verify): {said(code, unknown)}"
        code, known = probe(tag, PROBES[runtime]["tls"], network_mode=network, environment=environment,
                            volumes={str(certs / "ca.pem"): {"bind": BUNDLE, "mode": "ro"}})
        if code != 0 or known.splitlines()[-1:] != ["200"]:
            return f"with the CA in {BUNDLE}: {said(code, known)}"
        return None
    finally:
        remove(server)


def check_zone(tag: str, runtime: str) -> str | None:
    code, output = probe(tag, PROBES[runtime]["zone"], network_mode="none")
    return None if code == 0 and output == OFFSET else f"{ZONE}: {said(code, output)}"


def check_user(tag: str, runtime: str) -> str | None:
    uid = images.config_user(tag).split(":")[0]
    code, output = probe(tag, PROBES[runtime]["user"], network_mode="none")
    found = re.fullmatch(r"uid=(\d+) name=(\S+) home=(\S+) HOME=(\S+)", output)
    if code != 0 or not found:
        return f"user lookup of uid {uid}: {said(code, output)}"
    if found.group(1) != uid:
        return f"runs as uid {found.group(1)}, the image says {uid}"
    if found.group(3) != found.group(4):
        return f"HOME is {found.group(4)}, the user's home is {found.group(3)}"
    return None


def check_drain(tag: str, runtime: str, port: int, name: str | None = None) -> str | None:
    with images.running(tag, port, name=name) as (container, url):
        images.wait_http(url + "/health", timeout=images.startup_seconds(tag))
        return drain_in_flight(container, url)


def drain_in_flight(container, url: str) -> str | None:
    """The drain point on a server that already answers at `url`: `docker stop` while a slow
    request is in flight; the container is stopped afterwards."""
    answer: dict[str, object] = {}

    def request() -> None:
        sent = time.monotonic()
        try:
            with urllib.request.urlopen(f"{url}/slow?seconds={SLOW_SECONDS}", timeout=30) as response:
                response.read()
                answer["status"] = response.status
        except OSError as error:
            answer["error"] = f"{type(error).__name__}: {error}"
        answer["seconds"] = time.monotonic() - sent

    slow = threading.Thread(target=request)
    slow.start()
    time.sleep(1)  # the request is now in flight, SLOW_SECONDS - 1 s from done
    _, exit_code = images.stop(container, timeout=STOP_GRACE)
    slow.join(timeout=30)
    if answer.get("status") != 200 or exit_code != 0:
        got = answer.get("status") or answer.get("error")
        return f"docker stop with a request in flight: the request got {got}, the process exited {exit_code}"
    # A server without /slow answers at once, before the stop: nothing was in flight to drain.
    if answer["seconds"] < SLOW_SECONDS - 0.5:
        return (f"GET /slow?seconds={SLOW_SECONDS} was answered in {answer['seconds']:.1f} s, before "
                "docker stop: no request was in flight (the app needs a /slow endpoint)")
    return None


def check_point(tag: str, runtime: str, port: int, point: str) -> str | None:
    """One point of the contract, for a test that reports each on its own. A point's outcome
    depends only on what the image runs, so it is checked once per run of the suite for each
    (images.runs_the_same) image (harness.outcomes): a page's claim on `python-api:runner`
    reuses the example test's outcome for `guide/python-api:runner`, the same layers and
    configuration with other labels."""
    return _checked(*images.identity(tag), tag, runtime, port, point)


def _checked(image: str, same: str, tag: str, runtime: str, port: int, point: str) -> str | None:
    """The point's outcome, kept under `same` (images.runs_the_same) and checked on `image`, the
    ID that came with it from one inspect: the image the answer is kept for, even if `tag` is
    moved to another image meanwhile. `tag` names it in messages."""
    key = ("contract", same, runtime, port, point)
    if point == "drain":
        return outcomes.once(key, lambda: check_drain(image, runtime, port, name=tag))
    check = {"tls": check_tls, "zone": check_zone, "user": check_user}[point]
    return outcomes.once(key, lambda: check(image, runtime))


def check_points(tag: str, runtime: str, port: int,
                 points: tuple[str, ...] = POINTS) -> dict[str, str | None]:
    """The outcome of each of `points` (by default every point). The points are independent
    containers that mostly wait (for a server to start, for a slow request): checked side by
    side, they take about as long as the slowest one. A test that reports each point on its own
    asks for all of them on its first point, and the others are then known."""
    with concurrent.futures.ThreadPoolExecutor(len(points)) as pool:
        image, same = images.identity(tag)  # one inspect for all the points
        futures = {point: pool.submit(_checked, image, same, tag, runtime, port, point) for point in points}
        return {point: future.result() for point, future in futures.items()}


def parse(words: tuple[str, ...]) -> tuple[str, str, int, set[str]]:
    if len(words) < 3 or words[1] not in PROBES or not words[2].isdigit():
        raise ContractError("write `contract IMAGE python|node|go PORT [fails=POINT,...]`")
    failing: set[str] = set()
    for word in words[3:]:
        name, _, points = word.partition("=")
        failing |= set(points.split(","))
        if name != "fails" or not failing <= set(POINTS):
            raise ContractError(f"`{word}`: write fails= with points from {', '.join(POINTS)}")
    return words[0], words[1], int(words[2]), failing


def check(*words: str) -> str | None:
    """The whole contract for one image; None when every point is as the page says."""
    tag, runtime, port, failing = parse(words)
    outcomes = check_points(tag, runtime, port)
    broken = [f"{point}: {outcomes[point]}" for point in POINTS
              if point not in failing and outcomes[point] is not None]
    held = [f"{point}: documented as failing, but it holds" for point in POINTS
            if point in failing and outcomes[point] is None]
    return "; ".join(broken + held) or None

