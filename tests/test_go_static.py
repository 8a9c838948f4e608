"""examples/go-static: a standard-library Go service, compiled in golang:1.27, run FROM scratch.

What the pages claim and these tests prove:
- the runner holds the static binary and the CA certificates and nothing else: no shell, no
  libc, no package database; it runs as UID 10001, answers /health, reports healthy through its
  own HEALTHCHECK and stops on SIGTERM, with a read-only root filesystem too;
- the runner is at most 12 MB and at least 50 times smaller than the one-stage golang image;
- `--output type=local` from the `binary` stage writes only the binary;
- with `--platform linux/arm64` the builder still runs on this machine (no emulation) and
  cross-compiles: the binary is an AArch64 ELF and the image's config says arm64; the arm64 image
  and a RUN of the arm64 binary run under QEMU, and fail with `exec format error` for a platform
  with no emulator registered;
- the runner meets the runtime contract (harness.contract): outbound TLS, time zones, a user
  name for its UID, and `docker stop` with a request in flight.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from harness import claims, contract, elf, images
from harness.dockerfiles import EXAMPLES, REPO
from harness.images import HARDENED, BuildFailed

EXAMPLE = "go-static"
CONTEXT = EXAMPLES / EXAMPLE
PORT = 8080
MB = 10**6
CERTS = "/etc/ssl/certs/ca-certificates.crt"


@pytest.fixture(scope="module")
def runner() -> str:
    return images.build(EXAMPLE, "runner").tag


@pytest.fixture(scope="module")
def single() -> str:
    return images.build(EXAMPLE, dockerfile="Dockerfile.single").tag


@pytest.fixture(scope="module")
def runner_arm64() -> str:
    tag = images.tag_for(EXAMPLE, "runner-arm64")
    images.buildx(CONTEXT, target="runner", tag=tag, extra=["--platform", "linux/arm64"])
    return tag


def export_binary(dest: Path, platform: str | None = None) -> Path:
    extra = ["--output", f"type=local,dest={dest}"] + (["--platform", platform] if platform else [])
    images.buildx(CONTEXT, target="binary", extra=extra, load=False)
    return dest


def test_runner_holds_only_the_binary_and_the_certificates(runner):
    assert images.files(runner) == {"/etc", "/etc/ssl", "/etc/ssl/certs", CERTS, "/etc/passwd",
                                    "/etc/group", "/server"}
    assert not images.has_shell(runner)


def test_runner_answers_reports_healthy_and_stops_on_sigterm(runner):
    with images.running(runner, PORT) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            container.reload()
            if container.attrs["State"]["Health"]["Status"] == "healthy":
                break
            time.sleep(0.5)
        assert container.attrs["State"]["Health"]["Status"] == "healthy"
        seconds, code = images.stop(container, timeout=10)
    assert (code, seconds < 10) == (0, True), f"exit {code} after {seconds:.1f} s"


def test_runner_user_is_numeric_and_not_root(runner):
    assert images.config_user(runner) == "10001:10001"


def test_runner_answers_with_a_read_only_root_filesystem(runner):
    with images.running(runner, PORT, **HARDENED) as (container, url):
        status, _ = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200
        seconds, code = images.stop(container, timeout=10)
    assert (code, seconds < 10) == (0, True)


def test_runner_floors(runner, single, capsys):
    runner_size, single_size = images.size(runner), images.size(single)
    with capsys.disabled():
        print(f"\n[go-static] runner {runner_size / MB:.2f} MB, single {single_size / MB:.1f} MB, "
              f"single/runner = {single_size / runner_size:.0f}")
    assert runner_size <= 12 * MB
    assert single_size / runner_size >= 50


def test_output_local_exports_only_the_binary(tmp_path):
    out = export_binary(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["server"]
    assert claims.check_elf(str(out / "server"), "x86-64", "static") is None


def test_arm64_binary_is_cross_compiled_without_emulation(tmp_path):
    out = export_binary(tmp_path / "arm64", "linux/arm64")
    assert claims.check_elf(str(out / "server"), "aarch64", "static") is None
    # The claim fails on the other CPU: it reads the header, not the file name.
    assert claims.check_elf(str(out / "server"), "x86-64") == f"{out / 'server'} is built for aarch64"


def test_arm64_image_config_says_arm64(runner_arm64):
    attrs = images.client().images.get(runner_arm64).attrs
    assert (attrs["Os"], attrs["Architecture"]) == ("linux", "arm64")


def test_a_run_step_of_another_platform_needs_emulation():
    """The smoke stage runs the binary: for arm64 under QEMU (scripts/ensure-arm64.sh registers
    it), for a platform with no emulator registered the kernel refuses it."""
    build = images.buildx(CONTEXT, target="smoke", load=False,
                          extra=["--platform", "linux/arm64", "--no-cache-filter", "smoke"])
    assert re.search(r"go1\.27\S* linux/arm64", build.log), build.log[-2000:]
    with pytest.raises(BuildFailed) as failed:
        images.buildx(CONTEXT, target="smoke", load=False, extra=["--platform", "linux/s390x"])
    assert "exec /server: exec format error" in failed.value.output
    # On this machine's own platform the same stage runs the binary.
    build = images.buildx(CONTEXT, target="smoke", load=False, extra=["--no-cache-filter", "smoke"])
    assert re.search(r"go1\.27\S* linux/amd64", build.log), build.log[-2000:]


def test_arm64_runner_runs_under_emulation(runner_arm64):
    code, output = images.run_output(runner_arm64, "/server", "-version")
    assert (code, output.split()[-1]) == (0, "linux/arm64"), output


@pytest.mark.parametrize("point", contract.POINTS)
def test_runner_meets_the_runtime_contract(runner, point):
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone (the binary carries
    the zone database: -tags timetzdata), a user name for UID 10001 (/etc/passwd) and a request
    in flight that `docker stop` lets finish."""
    assert contract.check_points(runner, "go", PORT)[point] is None


def test_arm64_runner_holds_only_arm64_programs(runner_arm64):
    assert elf.problems(runner_arm64, "aarch64") == []
    assert elf.problems(runner_arm64, "x86-64") == ["/server: built for EM_AARCH64, not x86-64"]


def test_the_emulated_build_is_measured_slower_than_the_cross_compiled_one():
    """docs/*/cross-platform.md shows both times and their ratio from data key cross_build
    (harness.measure --cross-build): both measured for linux/arm64, and emulation the slower."""
    measured = json.loads((REPO / "data" / "measurements.json").read_text())["cross_build"]
    assert measured["platform"] == "linux/arm64"
    assert 0 < measured["cross_s"] < measured["emulated_s"], measured
