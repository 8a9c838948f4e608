"""Survive the engine's transient container-start failure, and never hide anything else.

runc 1.1 (Debian trixie's) now and then fails to start a container with

    OCI runtime create failed: ... waiting for init preliminary setup: read init-p:
    connection reset by peer: unknown

The same start a moment later succeeds. That one error, and only that one, is retried a
bounded number of times, for container starts through the Docker SDK (`start`) and for page
commands whose output shows it (`run_command`). Each retry warns with the test and the error,
and the test session's summary counts them (`harness.plugin`).

The engine has lost a container's output once too (Engine 28.5.2, a parallel run): `docker run
--rm python-api:runner sh -c '...'` exited 0 and printed nothing, though the container's last
command had found what it printed and the claim just before had found the same programs in the
same image. A page command that is one `docker run`, should print something, exits 0 and prints
nothing runs again (`lost_output`), counted the same way. A command that prints nothing every
time still fails, after ATTEMPTS runs.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import warnings
from collections.abc import Callable

import docker.errors

# The only failure treated as transient: runc's init process vanished before its setup.
SIGNATURE = "read init-p: connection reset by peer"
ATTEMPTS = 3

LOST_OUTPUT = "docker run exited 0 and printed nothing"
# What ends one command and starts another, or sends its output elsewhere, outside quotes.
OPERATORS = {"|", "||", "&", "&&", ";", ">", ">>", "<", "(", ")"}
# (test, error) of every retry in this process, for the session summary.
RETRIES: list[tuple[str, str]] = []
# Every container this process started, so the session can remove any left behind by an interrupt.
STARTED: set[str] = set()


class TransientEngineWarning(UserWarning):
    """A container start failed with the engine's transient error and was tried again."""


def is_transient(text: str) -> bool:
    return SIGNATURE in text


def current_test() -> str:
    # pytest sets this for the test being run: "tests/test_x.py::test_y (call)".
    return os.environ.get("PYTEST_CURRENT_TEST", "outside a test").removesuffix(" (call)")


def record(error: str) -> None:
    line = next((part for part in error.splitlines() if SIGNATURE in part), error).strip()
    test = current_test()
    RETRIES.append((test, line))
    warnings.warn(f"{test}: retrying after the engine's transient error: {line}",
                  TransientEngineWarning, stacklevel=3)


def start(create: Callable[[], object]):
    """Create a container with `create()` and start it, retrying only the transient error.

    A container whose start failed is removed before the next try, so nothing is left behind.
    """
    for attempt in range(1, ATTEMPTS + 1):
        container = create()
        STARTED.add(container.id)
        try:
            container.start()
            return container
        except docker.errors.APIError as error:
            container.remove(force=True)
            if not is_transient(str(error)) or attempt == ATTEMPTS:
                raise
            record(str(error))
    raise AssertionError("unreachable")


def run_command(args: list[str], *, command: str = "", expected: str = "",
                **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run, run again when it failed with the transient error in its output, or when
    it is a page's `command` that should print `expected` and lost its output (lost_output)."""
    for attempt in range(1, ATTEMPTS + 1):
        result = subprocess.run(args, **kwargs)
        output = (result.stdout or "") + (result.stderr or "")
        if attempt == ATTEMPTS:
            return result
        if result.returncode != 0 and is_transient(output):
            record(output)
        elif lost_output(command, expected, result):
            record(f"{LOST_OUTPUT}: {command}")
        else:
            return result
    raise AssertionError("unreachable")


def lost_output(command: str, expected: str, result: subprocess.CompletedProcess) -> bool:
    """Whether a page command that is one `docker run` and should print `expected` exited 0
    and printed nothing at all."""
    if result.returncode != 0 or result.stdout or result.stderr or not expected.strip():
        return False
    try:
        words = list(shlex.shlex(command, posix=True, punctuation_chars=True))
    except ValueError:  # unbalanced quotes: bash said so already, and exited non-zero
        return False
    return words[:2] == ["docker", "run"] and not OPERATORS & set(words)
