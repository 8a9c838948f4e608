"""Build example images with BuildKit and look inside them.

Builds go through the buildx CLI (harness.buildx; the Docker SDK cannot drive BuildKit); inspection
and containers go through the Docker SDK. Every image the harness builds is tagged
`guide/<example>:<target>` and labelled, so `nox -s clean` can find and remove them all.

Only one heavy build runs at a time on this two-core machine: builds take a file lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import docker
import docker.errors

from harness import outcomes, stores, transient
from harness.buildx import program as buildx_program
from harness.dockerfiles import EXAMPLES, REPO

BUILT_BY = "dev.multistage-guide.built-by"
LOCK = Path("/tmp/multistage-guide-build.lock")
# Set in the environment of a command that runs while its caller holds LOCK (a page's console
# block that may build runs under build_lock()): a build it starts (scripts/nox -s exercise)
# must not wait for the lock its own caller holds.
LOCK_HELD = "MULTISTAGE_GUIDE_BUILD_LOCK_HELD"
# What Docker puts into every container it creates, whatever the image holds.
ADDED_BY_DOCKER = frozenset({"/.dockerenv", "/dev", "/dev/console", "/dev/pts", "/dev/shm", "/proc",
                             "/sys", "/etc/hostname", "/etc/hosts", "/etc/mtab", "/etc/resolv.conf"})
# Docker's default PATH for a container whose image sets none (FROM scratch).
PATH_FOLDERS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


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
    if os.environ.get(LOCK_HELD) == str(LOCK):
        yield
        return
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
           extra: list[str] | None = None, load: bool = True, engine: str = "classic") -> Build:
    """Run `docker buildx build` and return its log; raise BuildFailed on a non-zero exit.
    engine="containerd" builds on the engine with the containerd image store (harness.stores)."""
    cmd = ["build", "--progress=plain", "--label", f"{BUILT_BY}=harness"]
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
        result = subprocess.run([*buildx_program(), *cmd], capture_output=True, text=True,
                                env=stores.environment(engine))
        seconds = time.monotonic() - started
    if result.returncode != 0:
        raise BuildFailed(["docker", "buildx", *cmd], result.stdout + result.stderr)
    return Build(tag or "", result.stderr, seconds)


@functools.cache
def build(example: str, target: str | None = None, dockerfile: str | None = None) -> Build:
    """Build one target of examples/<example> once per test session."""
    context = EXAMPLES / example
    # Dockerfile.single -> guide/<example>:single, the name the data file and pages use.
    name = target if not dockerfile else Path(dockerfile).suffix.lstrip(".")
    return buildx(context, target=target, tag=tag_for(example, name),
                  dockerfile=context / dockerfile if dockerfile else None)


def from_containerd_store(tag: str, platform: str) -> str:
    """Copy one platform of an image built on the containerd-store engine into the first
    engine, where the suite inspects and runs images; return its tag there."""
    save = subprocess.Popen(["docker", "image", "save", "--platform", platform, tag],
                            stdout=subprocess.PIPE, env=stores.environment("containerd"))
    loaded = subprocess.run(["docker", "image", "load", "-q"], stdin=save.stdout, capture_output=True,
                            text=True)
    if save.wait() != 0 or loaded.returncode != 0:
        raise AssertionError(f"could not copy {tag} ({platform}) to the first engine: {loaded.stderr}")
    return tag


def size(tag: str) -> int:
    """Uncompressed size in bytes, as `docker images` shows it."""
    return client().images.get(tag).attrs["Size"]


# The label of a container the harness starts: a page's teardown removes the containers its
# commands started, and must not take a test's container on another worker for one of them.
STARTED_BY = "dev.multistage-guide.started-by"


def start(tag: str, command: list[str] | None = None, **kwargs):
    """Create and start a container (detached), surviving only the engine's transient start
    failure (harness.transient). The caller removes it."""
    kwargs["labels"] = {**kwargs.get("labels", {}), STARTED_BY: "harness"}
    return transient.start(lambda: client().containers.create(tag, command, **kwargs))


def run_output(tag: str, *command: str, entrypoint: str | None = "",
               network: str = "none") -> tuple[int, str]:
    """Run a one-off command in the image; return its exit code and output. Without a network
    unless asked: a one-off that reads the image needs none, and the engine then neither joins
    the container to its bridge nor clears the connection-tracking table when it leaves (most
    of what starting and removing a container cost the engine, measured with its profiler)."""
    container = start(tag, list(command), entrypoint=entrypoint or None, user="", network_mode=network)
    try:
        result = container.wait(timeout=120)
        return result["StatusCode"], container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


# The last line every probe prints. Under load the engine sometimes loses a short-lived
# container's output (its log: `copy stream failed ... reading from a closed fifo`, about one a
# minute in a warm run), and a probe would then read as "nothing found": a probe whose output
# lacks this line runs again, and after PROBE_ATTEMPTS fails as lost, never as an answer.
END_OF_PROBE = "end-of-probe"
PROBE_ATTEMPTS = 3


def probe(tag: str, script: str, *args: str) -> str:
    """The output of `sh -c SCRIPT` in the image (exit status 0 expected), without its last line."""
    script_and_end = f"{script}\necho {END_OF_PROBE}"
    for _ in range(PROBE_ATTEMPTS):
        code, output = run_output(tag, "sh", "-c", script_and_end, "sh", *args, entrypoint="")
        if code != 0:
            raise AssertionError(f"a probe of {tag} exited with {code}: {output[-300:]}")
        if output.rstrip().endswith(END_OF_PROBE):
            return output.rstrip().removesuffix(END_OF_PROBE)
    raise AssertionError(f"a probe of {tag} lost its output {PROBE_ATTEMPTS} times (the engine did not "
                         f"copy it); what arrived: {output[-300:]!r}")


# docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges: the runner policy.
HARDENED = {"read_only": True, "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"]}


def hardened_output(tag: str) -> tuple[int, str]:
    """Run the image's CMD under HARDENED; return its exit code and output."""
    container = start(tag, **HARDENED)
    try:
        return container.wait(timeout=60)["StatusCode"], container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


def changeable_by_user(tag: str, path: str) -> str:
    """What under `path` the image's runtime user could change: files root does not own, or
    files that user can write. Empty when the policy holds. One answer per run for images that
    run the same (harness.outcomes), as present() keeps its: the audit asks it of every runner
    in each process a page's or a test's audit command starts, and the example tests again."""
    image, same = identity(tag)
    return outcomes.once(("changeable", same, path), lambda: _changeable(image, path))


def _changeable(image_id: str, path: str) -> str:
    if not has_shell(image_id):
        return _changeable_in_export(image_id, path)
    container = start(image_id, ["find", path, "(", "!", "-user", "root", "-o", "-writable", ")", "-print"],
                      network_mode="none")
    try:
        code = container.wait(timeout=60)["StatusCode"]
        output = container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)
    assert code == 0, output
    return output.strip()


def _changeable_in_export(tag: str, path: str) -> str:
    """changeable_by_user for an image without `find`: owners and modes from its export."""
    user = config_user(tag)
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and (not gid or gid.isdigit()), f"USER {user!r} is not numeric"
    uid, gid = int(uid), int(gid or uid)
    found = []
    for member in _members(image_id(tag)):
        name = "/" + member.name.rstrip("/")
        if name != path and not name.startswith(path.rstrip("/") + "/"):
            continue
        writable = (member.mode & 0o002 or (member.uid == uid and member.mode & 0o200)
                    or (member.gid == gid and member.mode & 0o020))
        if member.uid != 0 or (writable and not member.issym()):
            found.append(name)
    return "\n".join(found)


def image_id(tag: str) -> str:
    """The ID of the image a tag names: what the caches below are keyed by, so that a page's
    tag and a test's tag of the same image share their answers."""
    return client().images.get(tag).id


def files(tag: str) -> frozenset[str]:
    """Every path in the image's filesystem, read from a created (never started) container's
    export: it works on images without a shell, such as those FROM scratch."""
    return _files(image_id(tag))


@contextlib.contextmanager
def _created(image_id: str):
    """A container of the image, created to read its files and never started; removed after."""
    container = client().containers.create(image_id, ["/nonexistent"], entrypoint="")
    try:
        yield container
    finally:
        container.remove(force=True)


@functools.cache
def _members(image_id: str) -> tuple[tarfile.TarInfo, ...]:
    with _created(image_id) as container:
        stream = b"".join(container.export())
    with tarfile.open(fileobj=io.BytesIO(stream)) as archive:
        return tuple(archive.getmembers())


def file_sizes(tag: str) -> dict[str, int]:
    """Each regular file of the image and its size in bytes."""
    return {"/" + m.name: m.size for m in _members(image_id(tag)) if m.isfile()
            and "/" + m.name not in ADDED_BY_DOCKER}


@functools.cache
def _files(image_id: str) -> frozenset[str]:
    paths = {"/" + member.name.rstrip("/") for member in _members(image_id)}
    return frozenset(paths - ADDED_BY_DOCKER)


def has_shell(tag: str) -> bool:
    return _has_shell(image_id(tag))


@functools.cache
def _has_shell(image_id: str) -> bool:
    with _created(image_id) as container:
        try:
            container.get_archive("/bin/sh")
        except docker.errors.NotFound:
            return False
    return True


# Each argument: a path when it has a slash, else a program looked up on PATH; prints those found.
PRESENT = ('for thing do case "$thing" in */*) test -e "$thing" ;; *) command -v "$thing" >/dev/null ;; '
           'esac && echo "$thing"; done')


def present(tag: str, things) -> list[str]:
    """Which of `things` the image has: a word with a slash is a path, any other a program on
    PATH. One container for all of them (an audit asks about twenty at once), and one answer
    per run for images that run the same (harness.outcomes): the audit, the claims and the
    example tests ask the same questions of the same images, from several processes, and a
    page's tag and the harness's tag of one build differ only in their labels."""
    wanted = tuple(things)
    if not wanted:
        return []
    image, same = identity(tag)
    return list(outcomes.once(("present", same, *wanted), lambda: _present(image, wanted)))


def _present(image_id: str, things: tuple[str, ...]) -> list[str]:
    if not has_shell(image_id):  # no shell, no PATH search: look in the usual bin folders
        found = files(image_id)
        return [t for t in things if (t.rstrip("/") in found if "/" in t
                                      else any(f"{folder}/{t}" in found for folder in PATH_FOLDERS))]
    printed = set(probe(image_id, PRESENT, *things).split())
    return [t for t in things if t in printed]


def has_program(tag: str, program: str) -> bool:
    return present(tag, [program]) == [program]


def has_path(tag: str, path: str) -> bool:
    return present(tag, [path]) == [path]


def read_file(tag: str, path: str) -> bytes | None:
    """A regular file of the image, read from a created (never started) container; None when
    there is none at `path`. Works on images without a shell."""
    with _created(image_id(tag)) as container:
        try:
            stream, _ = container.get_archive(path)
        except docker.errors.NotFound:
            return None
        data = b"".join(stream)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.getmembers()[0]
        return archive.extractfile(member).read() if member.isfile() else None


def config_user(tag: str) -> str:
    return client().images.get(tag).attrs["Config"].get("User") or ""


def numeric_uid(user: str) -> int | None:
    """The UID of a USER value written as numbers (`10001`, `10001:10001`); None for a name."""
    uid, _, gid = user.partition(":")
    return int(uid) if uid.isdigit() and (not gid or gid.isdigit()) else None


def runs_as_root(user: str) -> bool:
    """An unset USER, `root` or UID 0 (with any group)."""
    return user.partition(":")[0] in ("", "root", "0")


class ContainerExited(AssertionError):
    """The container stopped before Docker published its port."""


@contextlib.contextmanager
def running(tag: str, port: int, name: str | None = None, **kwargs):
    """Start a container with `port` published on 127.0.0.1; yield (container, base_url).
    `name` is how a message names the image (a checked image's tag, when `tag` is its ID).

    The container is removed when the block ends, on failure too.
    """
    container = start(tag, ports={f"{port}/tcp": ("127.0.0.1", None)}, **kwargs)
    try:
        container.reload()
        published = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp")
        if not published:
            logs = container.logs().decode(errors="replace").strip()
            raise ContainerExited(f"{name or tag} stopped ({container.status}) before port {port} was "
                                  f"published: {logs[-300:]}")
        yield container, f"http://127.0.0.1:{published[0]['HostPort']}"
    finally:
        container.remove(force=True)


def runs_the_same(tag: str) -> str:
    """What a container of the image runs, as a digest: its layers, platform and configuration
    without the labels. Two tags with the same digest run the same thing, whatever their labels
    say (the harness labels its builds; a page's `docker build` does not)."""
    return identity(tag)[1]


def identity(tag: str) -> tuple[str, str]:
    """The image's ID and runs_the_same's digest, from one inspect: a shared answer is keyed by
    the digest and checked on that ID, the same image even if the tag moves in between."""
    attrs = client().images.get(tag).attrs
    config = {key: value for key, value in (attrs["Config"] or {}).items() if key != "Labels"}
    facts = [attrs["RootFS"].get("Layers"), attrs["Os"], attrs["Architecture"], config]
    return attrs["Id"], hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


@functools.cache
def engine_architecture() -> str:
    """The engine's CPU as images name it: `docker info` says x86_64 or aarch64."""
    machine = client().info()["Architecture"]
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def emulated(tag: str) -> bool:
    """Whether the image is for another CPU than the engine's, so that it runs under QEMU."""
    return client().images.get(tag).attrs["Architecture"] != engine_architecture()


def startup_seconds(tag: str) -> float:
    """How long a server of the image may take to answer its first request: under QEMU,
    gunicorn and its workers take well over the usual 20 s, and several minutes while the
    suite's other workers keep both cores busy."""
    return 300.0 if emulated(tag) else 20.0


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


def history(tag: str) -> list[dict]:
    """The image's history entries (CreatedBy, Size, ...), the oldest first."""
    return client().images.get(tag).history()[::-1]


def history_text(tag: str) -> str:
    result = subprocess.run(["docker", "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag],
                            capture_output=True, text=True, check=True)
    return result.stdout


def stages_in_log(log: str) -> set[str]:
    """Stage names that appear as steps in a plain BuildKit log: `#7 [builder 3/5] RUN ...`."""
    import re

    return {m.group(1) for m in re.finditer(r"^#\d+ \[([\w.-]+) \d+/\d+\]", log, re.MULTILINE)}
