"""An interrupted run (Ctrl-C) and a killed build leave nothing behind that the next run trips
over: no container (fixed names included), no held build lock."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest

from harness import images
from harness.dockerfiles import REPO

# It kills builds and checks that the build lock is free afterwards: no other build may hold it.
pytestmark = pytest.mark.alone

PROBES = REPO / "tests" / "fixtures" / "interrupt"


def wait_for(path, process, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.2)


def names_and_labels() -> str:
    return subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}} {{.Labels}}"],
                          capture_output=True, text=True, check=True).stdout


def default_sigint() -> None:
    """A run started in the background by a non-interactive shell (CI, `cmd &`) inherits
    SIGINT ignored, and a Python that starts with it ignored never raises KeyboardInterrupt:
    give the probe run the default disposition, as a terminal's Ctrl-C would find it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def remove_probes() -> None:
    """Probe containers an earlier, killed run of these tests may have left."""
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", "name=multistage-guide-interrupt-probe"],
                         capture_output=True, text=True).stdout.split()
    ids += subprocess.run(["docker", "ps", "-aq", "--filter", "label=multistage-guide-probe"],
                          capture_output=True, text=True).stdout.split()
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)


def interrupted(tmp_path, probe: str, running: str) -> str:
    """Run pytest on a probe, Ctrl-C it once `running` shows in `docker ps -a`; return its output."""
    remove_probes()
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "harness.plugin",
         "-c", "/dev/null", "--rootdir", str(PROBES), "--confcutdir", str(PROBES), "-q", str(PROBES / probe)],
        cwd=REPO, env={**os.environ, "PROBE_READY": str(ready)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=default_sigint,
        start_new_session=True)
    try:
        wait_for(ready, process)
        assert running in names_and_labels()
        # Ctrl-C in a terminal signals the whole foreground process group: pytest, and the
        # page command it is running.
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 2 and "KeyboardInterrupt" in output, output
    return output


def test_ctrl_c_in_the_middle_of_a_page_leaves_no_container(tmp_path):
    """The page started a container with a fixed name and was interrupted in its next command."""
    output = interrupted(tmp_path, "probe.md", "multistage-guide-interrupt-probe")
    assert "multistage-guide-interrupt-probe" not in names_and_labels(), output
    # The interrupted command ran under the build lock: nothing of it may still hold the lock.
    assert not lock_is_held(images.LOCK), "a page command outlived the interrupt and holds the build lock"


def test_ctrl_c_in_a_test_removes_the_containers_it_started(tmp_path):
    output = interrupted(tmp_path, "probe_sdk.py", "multistage-guide-probe=sdk")
    assert "multistage-guide-probe=sdk" not in names_and_labels(), output


def test_a_killed_build_holds_no_lock_and_the_next_build_passes(tmp_path):
    """kill -9 of a build's whole process group (the harness and its `docker buildx`), as when
    a terminal is closed: the build lock is free again and the next build runs."""
    (tmp_path / "Dockerfile").write_text("FROM debian:trixie-slim\nRUN echo started && sleep 120\n")
    lock = tmp_path / "build.lock"
    build = ("from pathlib import Path; from harness import images; "
             f"images.LOCK = Path({str(lock)!r}); "
             f"images.buildx(Path({str(tmp_path)!r}), extra=['--no-cache'], load=False)")
    process = subprocess.Popen([sys.executable, "-c", build], cwd=REPO, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not lock_is_held(lock):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert not lock_is_held(lock), "the killed build still holds the build lock"
    images.buildx(REPO / "tests" / "fixtures" / "tiny", target="builder", load=False)


def lock_is_held(path) -> bool:
    if not path.exists():
        return False
    with path.open() as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
