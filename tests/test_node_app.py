"""examples/node-app: a TypeScript (fastify) service built in stages.

The runner ships dist/ and production dependencies only; the original article's runner (`runner-original`)
copies the builder's whole node_modules, devDependencies included; `Dockerfile.single` is the
one-stage baseline a newcomer writes.
"""

from __future__ import annotations

import json
import shutil
import uuid

import pytest

from harness import claims, contract, elf, images
from harness.dockerfiles import EXAMPLES
from harness.images import HARDENED

EXAMPLE = "node-app"
PORT = 3000
STAGES = ["deps", "prod-deps", "builder", "runner-original", "runner-minimal", "runner"]
RUNNERS = ["runner", "runner-original", "runner-minimal"]
# The runners that ship: the one-line Dockerfile default and the smallest one, FROM scratch.
SHIPPED = ["runner", "runner-minimal"]
MB = 10**6


def report(capsys, message: str) -> None:
    with capsys.disabled():
        print(f"\n[node-app] {message}")


def step_cached(log: str, text: str) -> bool:
    """Whether every BuildKit step whose header contains `text` was CACHED.

    With --progress=plain a cached step is a header line `#N [stage i/n] RUN ...` followed by
    a separate `#N CACHED` line, so the header alone cannot tell.
    """
    lines = log.splitlines()
    ids = {line.split()[0] for line in lines if line.startswith("#") and " [" in line and text in line}
    assert ids, f"no build step mentions {text!r}"
    return all(f"{step} CACHED" in lines for step in ids)


@pytest.fixture(scope="module")
def tags() -> dict[str, str]:
    built = {target: images.build(EXAMPLE, target).tag for target in STAGES}
    built["single"] = images.build(EXAMPLE, dockerfile="Dockerfile.single").tag
    return built


@pytest.mark.parametrize("target", STAGES + ["single"])
def test_every_target_builds(tags, target):
    assert images.client().images.get(tags[target])


@pytest.mark.parametrize("target", RUNNERS)
def test_runner_answers_health_and_stops_on_sigterm(tags, target):
    with images.running(tags[target], PORT) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200
        assert json.loads(body)["status"] == "ok"
        status, body = images.wait_http(f"{url}/hello/guide")
        assert (status, json.loads(body)) == (200, {"message": "Hello, guide!"})
        seconds, code = images.stop(container, timeout=10)
    assert code != 137, "node ignored SIGTERM and was killed"
    assert code == 0
    assert seconds < 10


@pytest.mark.parametrize("target", RUNNERS)
def test_runner_is_not_root(tags, target):
    assert images.config_user(tags[target]) == "10001:10001"
    # node itself reports the uid: runner-minimal has no `id`.
    code, out = images.run_output(tags[target], "node", "-e", "console.log(process.getuid())")
    assert (code, out.strip()) == (0, "10001")


@pytest.mark.parametrize("target", RUNNERS)
def test_runner_cannot_change_its_own_files(tags, target):
    """Everything under /app belongs to root, and the runtime user can write none of it."""
    assert images.changeable_by_user(tags[target], "/app") == ""


@pytest.mark.parametrize("target", SHIPPED)
def test_runner_answers_with_a_read_only_root_filesystem(tags, target):
    """docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges, no tmpfs."""
    with images.running(tags[target], PORT, **HARDENED) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200 and json.loads(body)["status"] == "ok"
        status, body = images.wait_http(f"{url}/hello/guide")
        assert (status, json.loads(body)) == (200, {"message": "Hello, guide!"})
        seconds, code = images.stop(container, timeout=10)
    assert (code, seconds < 10) == (0, True)


@pytest.mark.parametrize("target", SHIPPED)
def test_runner_holds_no_build_tools_dev_dependencies_or_sources(tags, target):
    tag = tags[target]
    for path in (
        "/app/node_modules/typescript",
        "/app/node_modules/@types",
        "/app/node_modules/vitest",
        "/app/node_modules/.bin/tsc",
        "/app/src",
    ):
        assert not images.has_path(tag, path), f"{path} is in the runner"
    sources = [p for p in images.files(tag) if p.startswith("/app/") and p.endswith(".ts")
               and not p.startswith("/app/node_modules/")]
    assert sources == [], f"TypeScript sources in the runner: {sources}"
    for program in ("gcc", "cc", "make"):
        assert not images.has_program(tag, program), f"{program} is in the runner"
    # What it does need: the compiled app and its one runtime dependency.
    assert images.has_path(tag, "/app/dist/server.js")
    assert images.has_path(tag, "/app/node_modules/fastify/package.json")


def test_original_runner_ships_dev_dependencies(tags):
    """The original article's mistake: copying the builder's node_modules brings the compiler along."""
    tag = tags["runner-original"]
    assert images.has_path(tag, "/app/node_modules/typescript")
    assert images.has_path(tag, "/app/node_modules/@types/node")
    assert images.has_path(tag, "/app/node_modules/vitest")


def test_builder_has_what_it_needs(tags):
    tag = tags["builder"]
    assert images.has_path(tag, "/app/node_modules/.bin/tsc")
    assert images.has_path(tag, "/app/dist/server.js")
    assert images.has_path(tag, "/app/src/server.ts")
    assert not images.has_path(tags["prod-deps"], "/app/node_modules/typescript")


def test_minimal_runner_has_node_only(tags):
    """No npm, npx, corepack or yarn, no shell: node, its shared libraries and the app."""
    tag = tags["runner-minimal"]
    for program in ("npm", "npx", "corepack", "yarn", "sh", "bash"):
        assert not images.has_program(tag, program), f"{program} is in runner-minimal"
    assert not [p for p in images.files(tag) if "/node_modules/npm" in p and not p.startswith("/app/")]
    assert images.size(tag) <= 200 * MB


def test_sizes(tags, capsys):
    runner = images.size(tags["runner"])
    minimal = images.size(tags["runner-minimal"])
    original = images.size(tags["runner-original"])
    single = images.size(tags["single"])
    report(
        capsys,
        f"runner {runner / MB:.1f} MB, runner-minimal {minimal / MB:.1f} MB, "
        f"runner-original {original / MB:.1f} MB (runner is {(original - runner) / MB:.1f} MB smaller), "
        f"Dockerfile.single {single / MB:.1f} MB (single/runner = {single / runner:.2f})",
    )
    assert runner <= 250 * MB
    assert runner < original
    assert single / runner >= 5


@pytest.mark.alone  # a build time: measured with the machine to itself
def test_source_change_rebuilds_fast_with_npm_ci_cached(tmp_path_factory, capsys):
    copy = tmp_path_factory.mktemp("node-app") / EXAMPLE
    shutil.copytree(EXAMPLES / EXAMPLE, copy, ignore=shutil.ignore_patterns("node_modules", "dist"))
    tag = images.tag_for(EXAMPLE, "rebuild-check")
    images.buildx(copy, target="runner", tag=tag)  # warm build of this copy

    app = copy / "src" / "app.ts"
    source = app.read_text()
    assert "Hello, ${request.params.name}!" in source
    # A fresh greeting each run, so BuildKit cannot find the edited source in its cache.
    greeting = f"Hi {uuid.uuid4().hex[:8]}"
    app.write_text(source.replace("Hello, ${request.params.name}!", greeting + ", ${request.params.name}!"))
    rebuilt = images.buildx(copy, target="runner", tag=tag)
    report(capsys, f"rebuild after a one-line TypeScript change: {rebuilt.seconds:.1f} s")

    assert step_cached(rebuilt.log, "npm ci"), "npm ci ran again after a source change"
    assert not step_cached(rebuilt.log, "npm run build"), "the changed source was not compiled"
    assert rebuilt.seconds <= 10
    with images.running(tag, PORT) as (container, url):
        status, body = images.wait_http(f"{url}/hello/guide")
        assert (status, json.loads(body)) == (200, {"message": f"{greeting}, guide!"})
        images.stop(container)


@pytest.mark.parametrize("point", contract.POINTS)
@pytest.mark.parametrize("target", ["runner", "runner-minimal"])
def test_runner_meets_the_runtime_contract(tags, target, point):
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone, a user name for
    UID 10001, and a request in flight that `docker stop` lets finish (harness.contract)."""
    assert contract.check_points(tags[target], "node", PORT)[point] is None


def test_without_use_system_ca_node_ignores_the_system_bundle(tags):
    """Why both runners set NODE_OPTIONS=--use-system-ca: Node trusts only its bundled list."""
    outcome = contract.check_tls(tags["runner"], "node", environment={"NODE_OPTIONS": ""})
    assert outcome == f"with the CA in {contract.BUNDLE}: UNABLE_TO_VERIFY_LEAF_SIGNATURE"


def test_minimal_runner_programs_find_everything_they_load(tags):
    """Every ELF file of runner-minimal: its interpreter and libraries are in the image (harness.elf)."""
    assert elf.problems(tags["runner-minimal"], "x86-64") == []


# --- arm64 -----------------------------------------------------------------------------------
# Built on the engine with the containerd image store, where node:24-slim is an index of both
# platforms (harness.stores), then copied to the first engine and run there under QEMU. That
# engine sets up no NAT for its containers: npm reaches its registry from the host's network.
ARM64 = "linux/arm64"


@pytest.fixture(scope="module")
def arm64_minimal() -> str:
    tag = images.tag_for(EXAMPLE, "runner-minimal-arm64")
    images.buildx(EXAMPLES / EXAMPLE, target="runner-minimal", tag=tag,
                  extra=["--platform", ARM64, "--network=host"], engine="containerd")
    return images.from_containerd_store(tag, ARM64)


def test_arm64_minimal_runner_holds_arm64_programs_with_their_loader_and_libraries(arm64_minimal):
    """The ldd filter of node-rootfs copied arm64's loader, /lib/ld-linux-aarch64.so.1."""
    assert elf.problems(arm64_minimal, "aarch64") == []
    assert images.has_path(arm64_minimal, "/lib/ld-linux-aarch64.so.1")


@pytest.fixture(scope="module")
def arm64_checks(arm64_minimal: str) -> tuple[dict, str | None]:
    """The contract and the read-only answer under QEMU, started together (claims.contract_and_readonly)."""
    return claims.contract_and_readonly(arm64_minimal, "node", PORT)


# Not `alone`: under QEMU 10 (scripts/ensure-arm64.sh) both arm64 contracts held, the drain
# too, seven runs of seven with both cores kept busy; under Debian 12's QEMU 7.2 the drain needed
# the machine to itself.
@pytest.mark.parametrize("point", contract.POINTS)
def test_arm64_minimal_runner_meets_the_runtime_contract(arm64_checks, point: str):
    assert arm64_checks[0][point] is None


def test_arm64_minimal_runner_answers_with_a_read_only_root_filesystem(arm64_checks) -> None:
    """The `readonly` claim the page makes for the amd64 image, on arm64 under QEMU."""
    assert arm64_checks[1] is None
