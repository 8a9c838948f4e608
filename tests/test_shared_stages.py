"""examples/shared-stages: `api` and `worker` built FROM one `python-base` stage.

What the page claims and these tests prove:
- both targets build, and their images start with exactly the layers of `python-base`
  (stored once on a host, pulled once), then differ;
- each target carries only its own dependencies (bottle in api, schedule in worker);
- the api answers its health check; both run as a non-root user and stop on SIGTERM;
- the api meets the runtime contract (harness.contract): on SIGTERM it answers the request in
  flight before it exits 0.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time

import pytest

from harness import contract, images
from harness.dockerfiles import EXAMPLES, parse
from harness.images import (
    HARDENED,
    build,
    client,
    config_user,
    run_output,
    running,
    start,
    stop,
    tag_for,
    wait_http,
)

EXAMPLE = "shared-stages"
CONTEXT = EXAMPLES / EXAMPLE
TARGETS = ["api", "worker"]
OWN_DEPENDENCY = {"api": "bottle", "worker": "schedule"}


def layers(tag: str) -> list[str]:
    return client().images.get(tag).attrs["RootFS"]["Layers"]


@contextlib.contextmanager
def started(tag: str, **kwargs):
    """A detached container without published ports; removed when the block ends."""
    container = start(tag, **kwargs)
    try:
        yield container
    finally:
        container.remove(force=True)


def wait_for_log(container, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = container.logs().decode(errors="replace")
        if text in logs:
            return logs
        container.reload()
        if container.status == "exited":
            break
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in the logs within {timeout:.0f} s:\n{container.logs().decode()}")


@pytest.fixture(scope="module")
def api() -> str:
    return build(EXAMPLE, "api").tag


@pytest.fixture(scope="module")
def worker() -> str:
    return build(EXAMPLE, "worker").tag


def test_stages() -> None:
    stages = parse(CONTEXT / "Dockerfile")
    assert [s.name for s in stages] == ["python-base", "api", "worker"]
    assert stages[0].base == "python:3.13-slim"
    assert all(s.base == "python-base" for s in stages[1:])


@pytest.mark.parametrize("target", TARGETS)
def test_target_builds(target: str) -> None:
    result = build(EXAMPLE, target)
    assert result.tag == tag_for(EXAMPLE, target)


@pytest.fixture(scope="module")
def baked() -> dict[str, str]:
    """The three images as the example's docker-bake.hcl builds them: in one bake."""
    tags = {target: f"guide/{EXAMPLE}:baked-{target}" for target in ["python-base", *TARGETS]}
    overrides = [f"--set={target}.tags={tag}" for target, tag in tags.items()]
    with images.build_lock():
        subprocess.run(["docker", "buildx", "bake", "--load", *overrides], cwd=CONTEXT,
                       check=True, capture_output=True)
    return tags


def test_targets_share_the_python_base_layers(baked: dict[str, str]) -> None:
    base, api_layers, worker_layers = (layers(baked[t]) for t in ["python-base", *TARGETS])
    n = len(base)
    assert len(api_layers) > n and len(worker_layers) > n
    assert api_layers[:n] == base == worker_layers[:n]
    # Right after python-base they part: each installs its own requirements.
    assert api_layers[n] != worker_layers[n]
    assert not set(api_layers[n:]) & set(worker_layers[n:])
    print(f"\nshared-stages: {n} shared layers; api +{len(api_layers) - n}, worker +{len(worker_layers) - n}")


@pytest.mark.parametrize("target", TARGETS)
def test_each_target_has_only_its_own_dependency(target: str, api: str, worker: str) -> None:
    tag = {"api": api, "worker": worker}[target]
    other = "worker" if target == "api" else "api"
    code, output = run_output(tag, "python", "-c", f"import {OWN_DEPENDENCY[target]}")
    assert code == 0, output
    code, _ = run_output(tag, "python", "-c", f"import {OWN_DEPENDENCY[other]}")
    assert code != 0, f"{target} contains {other}'s dependency {OWN_DEPENDENCY[other]}"
    code, _ = run_output(tag, "test", "-e", f"/app/{other}")
    assert code != 0, f"{target} contains {other}'s code"


@pytest.mark.parametrize("target", TARGETS)
def test_runs_as_non_root(target: str, api: str, worker: str) -> None:
    tag = {"api": api, "worker": worker}[target]
    assert config_user(tag) == "10001:10001"
    code, output = run_output(tag, "id", "-u")
    assert (code, output.strip()) == (0, "10001")
    # Everything under /app belongs to root, and the runtime user can write none of it.
    assert images.changeable_by_user(tag, "/app") == ""


def test_api_answers_with_a_read_only_root_filesystem(api: str) -> None:
    """docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges, no tmpfs."""
    with running(api, 8000, **HARDENED) as (container, url):
        status, body = wait_http(f"{url}/health", timeout=20)
        assert (status, json.loads(body)) == (200, {"status": "ok", "service": "api"})
        seconds, exit_code = stop(container, timeout=10)
    assert exit_code != 137 and seconds < 10


def test_worker_works_with_a_read_only_root_filesystem(worker: str) -> None:
    with started(worker, environment={"INTERVAL": "0.5"}, **HARDENED) as container:
        wait_for_log(container, "worker processed job 2")
        seconds, exit_code = stop(container, timeout=10)
    assert exit_code == 0 and seconds < 10


def test_api_answers_health_and_stops_on_sigterm(api: str) -> None:
    with running(api, 8000) as (container, url):
        status, body = wait_http(f"{url}/health", timeout=20)
        assert status == 200
        assert json.loads(body) == {"status": "ok", "service": "api"}
        seconds, exit_code = stop(container, timeout=10)
    assert exit_code != 137 and seconds < 10
    print(f"\nshared-stages api stopped in {seconds:.2f} s, exit code {exit_code}")


def test_worker_processes_jobs_and_stops_on_sigterm(worker: str) -> None:
    with started(worker, environment={"INTERVAL": "0.5"}) as container:
        wait_for_log(container, "worker processed job 2")
        seconds, exit_code = stop(container, timeout=10)
        logs = container.logs().decode(errors="replace")
    assert exit_code == 0, logs
    assert seconds < 10
    assert "worker stopped after" in logs
    assert "(uid 10001)" in logs
    print(f"\nshared-stages worker stopped in {seconds:.2f} s, exit code {exit_code}")


def test_api_slow_waits_no_less_than_zero_seconds(api: str) -> None:
    """/slow, the request in flight of the drain check, clamps what it is asked (0 to 30 s)."""
    with running(api, 8000) as (container, url):
        wait_http(f"{url}/health", timeout=20)
        status, body = wait_http(f"{url}/slow?seconds=-1")
        assert (status, json.loads(body)) == (200, {"slept": 0.0})
        stop(container, timeout=10)


@pytest.mark.parametrize("point", contract.POINTS)
def test_api_meets_the_runtime_contract(api: str, point: str) -> None:
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone, a user name for
    UID 10001, and a request in flight that `docker stop` lets finish (harness.contract)."""
    assert contract.check_points(api, "python", 8000)[point] is None
