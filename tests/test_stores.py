"""The second engine (scripts/ensure-containerd-store.sh): the containerd image store on its own
socket, data root and bridge, beside the first engine, which it leaves working."""

from __future__ import annotations

import subprocess

import pytest

from harness import images, stores
from harness.dockerfiles import REPO

SCRIPT = REPO / "scripts" / "ensure-containerd-store.sh"


def docker(*args: str, engine: str = "classic") -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], env=stores.environment(engine), capture_output=True, text=True)


def test_the_second_engine_uses_the_containerd_image_store():
    info = docker("info", "-f", "{{json .DriverStatus}}", engine="containerd")
    assert "io.containerd.snapshotter.v1" in info.stdout, info.stdout + info.stderr
    first = docker("info", "-f", "{{json .DriverStatus}}")
    assert "io.containerd.snapshotter" not in first.stdout


def test_it_has_the_base_images_the_pages_build_from():
    for image in stores.NEEDS:
        assert stores.present(image), image
    for image in stores.MULTI_PLATFORM:
        for platform in stores.PLATFORMS.split(","):
            assert stores.present(image, platform), f"{image} for {platform}"


@pytest.mark.alone  # it stops the second engine, which the pages and other tests use
def test_the_first_engine_runs_containers_while_and_after_the_second_stops():
    """A second engine with `--bridge=none` took docker0 away from the first when it stopped; with
    a bridge of its own it does not."""
    subprocess.run(["bash", str(SCRIPT), "--stop"], check=True)
    try:
        assert docker("info", engine="containerd").returncode != 0
        assert subprocess.run(["ip", "link", "show", "docker0"], capture_output=True).returncode == 0
        code, output = images.run_output("debian:trixie-slim", "echo", "still running")
        assert (code, output.strip()) == (0, "still running")
    finally:
        started = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True)
    assert started.returncode == 0, started.stderr
    assert stores.present("golang:1.27"), "the second engine's images survive a restart"


def test_the_plan_names_every_change_and_its_undo():
    plan = subprocess.run(["bash", str(SCRIPT), "--plan"], capture_output=True, text=True)
    assert plan.returncode == 0
    assert "nothing to change" in plan.stderr
