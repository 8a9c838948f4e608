"""Build example images with BuildKit and look inside them.

Builds go through the `docker buildx` CLI (the Docker SDK cannot drive BuildKit); inspection
and containers go through the Docker SDK. Every image the harness builds is tagged
`guide/<example>:<target>` and labelled, so `nox -s clean` can find and remove them all.

Only one heavy build runs at a time on this two-core machine: builds take a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import docker

from harness.dockerfiles import EXAMPLES, REPO

BUILT_BY = "dev.multistage-guide.built-by"
LOCK = Path("/tmp/multistage-guide-build.lock")


class BuildFailed(AssertionError):
    def __init__(self, cmd: list[str], output: str):
        tail = "\n".join(output.splitlines()[-40:])
        super().__init__(f"build failed: {' '.join(cmd)}\n{tail}")
        self.output = output


@dataclass
class Build:
    tag: str
    log: str  # BuildKit's plain progress output
    seconds: float

    def ran(self, step: str) -> bool:
        """Whether BuildKit executed (did not take from cache) a step whose line contains `step`.

        The plain log names a step once (`#6 [deps 4/4] RUN npm ci`) and, when the cache
        served it, says so on a later line of its own (`#6 CACHED`).
        """
        import re

        steps = {m.group(1) for m in re.finditer(r"^#(\d+) \[.*$", self.log, re.MULTILINE)
                 if step in m.group(0)}
        cached = set(re.findall(r"^#(\d+) CACHED$", self.log, re.MULTILINE))
        return bool(steps - cached)


@functools.cache
def client() -> docker.DockerClient:
    return docker.from_env()


@contextlib.contextmanager
def build_lock():
    LOCK.touch(exist_ok=True)
    with LOCK.open() as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tag_for(example: str, target: str | None) -> str:
    return f"guide/{example}:{target or 'latest'}"


def buildx(context: Path, *, target: str | None = None, tag: str | None = None,
           dockerfile: Path | None = None, build_args: dict[str, str] | None = None,
           extra: list[str] | None = None, load: bool = True) -> Build:
    """Run `docker buildx build` and return its log; raise BuildFailed on a non-zero exit."""
    cmd = ["docker", "buildx", "build", "--progress=plain", "--label", f"{BUILT_BY}=harness"]
    if load:
        cmd.append("--load")
    if target:
        cmd += ["--target", target]
    if tag:
        cmd += ["-t", tag]
    if dockerfile:
        cmd += ["-f", str(dockerfile)]
    for key, value in (build_args or {}).items():
        cmd += ["--build-arg", f"{key}={value}"]
    cmd += list(extra or [])
    cmd.append(str(context))
    with build_lock():
        started = time.monotonic()
        result = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.monotonic() - started
    if result.returncode != 0:
        raise BuildFailed(cmd, result.stdout + result.stderr)
    return Build(tag or "", result.stderr, seconds)


@functools.cache
def build(example: str, target: str | None = None, dockerfile: str | None = None) -> Build:
    """Build one target of examples/<example> once per test session."""
    context = EXAMPLES / example
    # Dockerfile.single -> guide/<example>:single, the name the data file and pages use.
    name = target if not dockerfile else Path(dockerfile).suffix.lstrip(".")
    return buildx(context, target=target, tag=tag_for(example, name),
                  dockerfile=context / dockerfile if dockerfile else None)


def size(tag: str) -> int:
    """Uncompressed size in bytes, as `docker images` shows it."""
    return client().images.get(tag).attrs["Size"]


def run_output(tag: str, *command: str, entrypoint: str | None = "") -> tuple[int, str]:
    """Run a one-off command in the image; return its exit code and output."""
    container = client().containers.run(tag, list(command), entrypoint=entrypoint or None,
                                        detach=True, user="")
    try:
        result = container.wait(timeout=120)
        return result["StatusCode"], container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def has_program(tag: str, program: str) -> bool:
    code, _ = run_output(tag, "sh", "-c", f"command -v {program}", entrypoint="")
    return code == 0


def has_path(tag: str, path: str) -> bool:
    code, _ = run_output(tag, "test", "-e", path, entrypoint="")
    return code == 0


def config_user(tag: str) -> str:
    return client().images.get(tag).attrs["Config"].get("User") or ""


@contextlib.contextmanager
def running(tag: str, port: int, **kwargs):
    """Start a container with `port` published on 127.0.0.1; yield (container, base_url).

    The container is removed when the block ends, on failure too.
    """
    container = client().containers.run(tag, detach=True,
                                        ports={f"{port}/tcp": ("127.0.0.1", None)}, **kwargs)
    try:
        container.reload()
        host_port = container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"]
        yield container, f"http://127.0.0.1:{host_port}"
    finally:
        container.remove(force=True)


def wait_http(url: str, timeout: float = 20.0) -> tuple[int, bytes]:
    """Poll until the URL answers any HTTP status; return (status, body)."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError as error:
            last = error
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout:.0f} s: {last}")


def stop(container, timeout: int = 10) -> tuple[float, int]:
    """Send SIGTERM (docker stop); return the seconds it took to exit and its exit code.

    Docker sends SIGKILL after `timeout` seconds: an exit code of 137 means the process
    ignored SIGTERM.
    """
    started = time.monotonic()
    container.stop(timeout=timeout)
    seconds = time.monotonic() - started
    container.reload()
    return seconds, container.attrs["State"]["ExitCode"]


def repo_path(*parts: str) -> Path:
    return REPO.joinpath(*parts)


def package_count(tag: str) -> int:
    """Debian packages installed in the image (dpkg's status database)."""
    code, output = run_output(tag, "dpkg-query", "-W", "-f", "${Package}\\n", entrypoint="")
    if code != 0:
        raise AssertionError(f"dpkg-query failed in {tag}: {output[-300:]}")
    return len(output.split())


def history_text(tag: str) -> str:
    result = subprocess.run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag],
                            capture_output=True, text=True, check=True)
    return result.stdout


def stages_in_log(log: str) -> set[str]:
    """Stage names that appear as steps in a plain BuildKit log: `#7 [builder 3/5] RUN ...`."""
    import re

    return {m.group(1) for m in re.finditer(r"^#\d+ \[([\w.-]+) \d+/\d+\]", log, re.MULTILINE)}
