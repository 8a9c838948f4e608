"""The engine's transient start failure is survived; every other failure fails at once.

The failure is faked: the real one comes about once per few hundred starts and cannot be
called up on demand. So is the lost output of a `docker run` (harness.transient.lost_output),
by a `docker` of the test's own ahead on PATH. Retries made here are taken back out of the
session's count."""

from __future__ import annotations

import os
import shutil

import docker.errors
import pytest
from docker.models.containers import Container

from harness import images, transient
from harness.dockerfiles import REPO
from harness.pages import make_sybil

PAGES = REPO / "tests" / "fixtures" / "pages" / "transient"
ERROR = ("OCI runtime create failed: runc create failed: unable to start container process: "
         "waiting for init preliminary setup: read init-p: connection reset by peer: unknown")


@pytest.fixture(autouse=True)
def own_retries():
    """Keep this module's fake retries out of the session's report of real ones."""
    before = list(transient.RETRIES)
    yield
    transient.RETRIES[:] = before


@pytest.fixture
def starts(monkeypatch):
    """Count container starts; make the first `failures` of them fail with `error`."""
    state = {"calls": 0, "failures": 0, "error": ERROR}
    real_start = Container.start

    def start(self, **kwargs):
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise docker.errors.APIError(f"500 Server Error: {state['error']}")
        return real_start(self, **kwargs)

    monkeypatch.setattr(Container, "start", start)
    return state


def leftover(before: set[str], command: list[str]) -> set[str]:
    """Containers of `command` that were not there `before`: other workers of the suite start
    and remove containers of their own meanwhile."""
    return {c.id for c in images.client().containers.list(all=True)
            if c.attrs["Config"]["Cmd"] == command} - before


def test_a_transient_start_failure_is_retried_with_a_warning(starts):
    starts["failures"] = 1
    before = {c.id for c in images.client().containers.list(all=True)}
    # The worker may have met the real transient error earlier in the session.
    retried = len(transient.RETRIES)
    with pytest.warns(transient.TransientEngineWarning, match="test_transient.py.*read init-p"):
        code, output = images.run_output("debian:trixie-slim", "echo", "second try")
    assert (code, output.strip(), starts["calls"]) == (0, "second try", 2)
    assert len(transient.RETRIES) == retried + 1 and "read init-p" in transient.RETRIES[-1][1]
    assert not leftover(before, ["echo", "second try"]), "the container whose start failed was left behind"


def test_retries_are_bounded(starts):
    starts["failures"] = transient.ATTEMPTS
    with pytest.warns(transient.TransientEngineWarning):
        with pytest.raises(docker.errors.APIError, match="init-p"):
            images.run_output("debian:trixie-slim", "true")
    assert starts["calls"] == transient.ATTEMPTS


def test_another_start_failure_fails_on_the_first_try(starts):
    starts["failures"] = 1
    before = list(transient.RETRIES)
    starts["error"] = 'exec: "nonexistent": executable file not found in $PATH'
    with pytest.raises(docker.errors.APIError, match="executable file not found"):
        images.run_output("debian:trixie-slim", "true")
    assert starts["calls"] == 1 and transient.RETRIES == before


def test_a_real_bad_command_and_a_bad_image_fail_on_the_first_try(starts):
    with pytest.raises(docker.errors.APIError, match="executable file not found"):
        images.run_output("debian:trixie-slim", "nonexistent-program")
    with pytest.raises(docker.errors.ImageNotFound):
        images.run_output("guide/no-such-image:anything", "true")
    assert starts["calls"] == 1 and transient.RETRIES == []


def evaluate(page: str) -> None:
    for example in make_sybil(str(PAGES)).parse(PAGES / page).examples():
        example.evaluate()


def test_a_page_command_that_meets_the_transient_error_runs_again(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAKY_COUNT", str(tmp_path / "count"))
    with pytest.warns(transient.TransientEngineWarning, match="read init-p"):
        evaluate("once.md")
    assert (tmp_path / "count").read_text().strip() == "2"
    assert len(transient.RETRIES) == 1


def test_a_page_command_that_fails_otherwise_fails_on_the_first_run(tmp_path, monkeypatch):
    monkeypatch.setenv("FLAKY_COUNT", str(tmp_path / "count"))
    with pytest.raises(AssertionError, match="exited 125"):
        evaluate("other.md")
    assert (tmp_path / "count").read_text().strip() == "1"
    assert transient.RETRIES == []


# A `docker` whose first $QUIET_RUNS `docker run`s exit 0 and print nothing, as the engine's lost
# output looked, and which print `hello` after; $FLAKY_COUNT names a file that counts them. Its
# other commands (the page's own `docker ps` and `docker inspect`) go to the real one.
QUIET_DOCKER = """#!/usr/bin/env bash
[ "$1" = run ] || exec {docker} "$@"
runs=$(( $(cat "$FLAKY_COUNT" 2>/dev/null || echo 0) + 1 ))
echo "$runs" >"$FLAKY_COUNT"
[ "$runs" -le "$QUIET_RUNS" ] || echo hello
"""


@pytest.fixture
def quiet_docker(tmp_path, monkeypatch):
    """Runs of `docker` in page commands go to QUIET_DOCKER; returns the file counting them."""
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "docker").write_text(QUIET_DOCKER.format(docker=shutil.which("docker")))
    (folder / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("FLAKY_COUNT", str(tmp_path / "count"))
    return tmp_path / "count"


def test_a_docker_run_whose_output_was_lost_runs_again(quiet_docker, monkeypatch):
    monkeypatch.setenv("QUIET_RUNS", "1")
    with pytest.warns(transient.TransientEngineWarning, match="printed nothing: docker run --rm"):
        evaluate("lost.md")
    assert quiet_docker.read_text().strip() == "2"
    assert len(transient.RETRIES) == 1


def test_a_docker_run_that_prints_nothing_every_time_fails(quiet_docker, monkeypatch):
    monkeypatch.setenv("QUIET_RUNS", "99")
    with pytest.warns(transient.TransientEngineWarning), \
            pytest.raises(AssertionError, match="differs from the page"):
        evaluate("lost.md")
    assert quiet_docker.read_text().strip() == str(transient.ATTEMPTS)


def test_a_piped_docker_run_that_printed_nothing_fails_on_the_first_run(quiet_docker, monkeypatch):
    monkeypatch.setenv("QUIET_RUNS", "1")
    with pytest.raises(AssertionError, match="differs from the page"):
        evaluate("lost-piped.md")
    assert quiet_docker.read_text().strip() == "1"
    assert transient.RETRIES == []
