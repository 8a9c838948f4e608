"""examples/basic: the original article's first Dockerfile made real.

A builder on the full node image compiles a dependency-free TypeScript server; the runner on
node:24-slim holds only dist/ and meets the runtime contract (harness.contract).
"""

from __future__ import annotations

import json

import pytest

from harness import contract, images
from harness.images import HARDENED

EXAMPLE = "basic"
PORT = 3000
TARGETS = ["builder", "runner"]
MB = 10**6


@pytest.fixture(scope="module")
def tags() -> dict[str, str]:
    return {target: images.build(EXAMPLE, target).tag for target in TARGETS}


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_builds(tags, target):
    assert images.client().images.get(tags[target])


def test_runner_answers_http_and_stops_on_sigterm(tags):
    with images.running(tags["runner"], PORT) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, _ = images.wait_http(f"{url}/")
        assert status == 200
        seconds, code = images.stop(container, timeout=10)
    assert code != 137, "node ignored SIGTERM and was killed"
    assert code == 0
    assert seconds < 10


def test_runner_holds_only_dist(tags):
    tag = tags["runner"]
    assert images.has_path(tag, "/app/dist/server.js")
    for path in ("/app/node_modules", "/app/src", "/app/package.json", "/app/tsconfig.json"):
        assert not images.has_path(tag, path), f"{path} is in the runner"


def test_builder_has_compiler_and_sources(tags):
    tag = tags["builder"]
    assert images.has_path(tag, "/app/node_modules/typescript")
    assert images.has_path(tag, "/app/src/server.ts")
    assert images.has_path(tag, "/app/dist/server.js")


def test_runner_is_not_root(tags):
    assert images.config_user(tags["runner"]) == "10001:10001"
    code, out = images.run_output(tags["runner"], "id", "-u")
    assert (code, out.strip()) == (0, "10001")


def test_runner_cannot_change_its_own_files(tags):
    """Everything under /app belongs to root, and the runtime user can write none of it."""
    assert images.changeable_by_user(tags["runner"], "/app") == ""


def test_runner_answers_with_a_read_only_root_filesystem(tags):
    """docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges, no tmpfs."""
    with images.running(tags["runner"], PORT, **HARDENED) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200 and json.loads(body)["status"] == "ok"
        seconds, code = images.stop(container, timeout=10)
    assert (code, seconds < 10) == (0, True)


def test_runner_is_at_least_four_times_smaller(tags, capsys):
    builder = images.size(tags["builder"])
    runner = images.size(tags["runner"])
    with capsys.disabled():
        print(
            f"\n[basic] builder {builder / MB:.1f} MB, runner {runner / MB:.1f} MB, "
            f"builder/runner = {builder / runner:.2f}"
        )
    assert builder / runner >= 4


def test_slow_waits_no_less_than_zero_seconds(tags):
    """/slow, the request in flight of the drain check, clamps what it is asked (0 to 30 s)."""
    with images.running(tags["runner"], PORT) as (container, url):
        images.wait_http(f"{url}/health", timeout=20)
        status, body = images.wait_http(f"{url}/slow?seconds=-1")
        assert (status, json.loads(body)) == (200, {"slept": 0})
        images.stop(container, timeout=10)


@pytest.mark.parametrize("point", contract.POINTS)
def test_runner_meets_the_runtime_contract(tags, point):
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone, a user name for
    UID 10001, and a request in flight that `docker stop` lets finish (harness.contract)."""
    assert contract.check_points(tags["runner"], "node", PORT)[point] is None
