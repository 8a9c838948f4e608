"""scripts/ensure-docker.sh tells a reader what it will change on their machine, and how to undo
it, before it changes anything; where it cannot help (no apt, not root) it says what to do.

Each case runs the script in a debian:trixie-slim container, where no Docker engine answers."""

from __future__ import annotations

import json

import pytest

from harness import images
from harness.dockerfiles import REPO

SCRIPT = "/guide/scripts/ensure-docker.sh"


def run_script(shell: str, user: str = "") -> tuple[int, str]:
    container = images.start("debian:trixie-slim", ["bash", "-c", shell], user=user,
                             volumes={str(REPO / "scripts"): {"bind": "/guide/scripts", "mode": "ro"}})
    try:
        code = container.wait(timeout=60)["StatusCode"]
        return code, container.logs().decode()
    finally:
        container.remove(force=True)


def test_the_plan_names_every_change_and_its_undo():
    code, out = run_script(f"bash {SCRIPT} --plan")
    assert code == 0, out
    for expected in [
        "no Docker engine answers. This script will change this machine (Debian trixie):",
        "add the apt source /etc/apt/sources.list.d/debian-testing-engine.sources (Debian testing)",
        "which lets only the packages docker.io docker-cli docker-buildx runc come from testing",
        "install the packages docker.io docker-cli docker-buildx runc (Debian testing: Engine 28.5",
        "or newer, buildx 0.29 or newer), with what they need (containerd among them)",
        "write /etc/docker/daemon.json (scripts/engine/daemon.json): the build cache stays under",
        "start dockerd in the background as root; its log: /var/log/dockerd.log",
        "To undo: pkill dockerd; apt-get purge docker.io docker-cli docker-buildx runc containerd;",
        "rm -rf /var/lib/docker",
    ]:
        assert expected in out, out
    assert "debian-trixie.sources" not in out, "trixie needs no trixie source"


def test_the_plan_changes_nothing():
    before = "ls -l /etc/apt/sources.list.d/ /etc/apt/preferences.d/ /var/log/"
    code, out = run_script(f"{before} >/before; bash {SCRIPT} --plan 2>/dev/null; {before} | diff /before -"
                           " && echo unchanged")
    assert (code, out.strip()) == (0, "unchanged"), out


def test_on_bookworm_the_plan_adds_a_pinned_trixie_source():
    fake = "sed -i 's/^VERSION_CODENAME=.*/VERSION_CODENAME=bookworm/' /etc/os-release && " \
           "sed -i 's/trixie/bookworm/g' /etc/apt/sources.list.d/debian.sources && "
    code, out = run_script(fake + f"bash {SCRIPT} --plan")
    assert code == 0, out
    assert "(Debian bookworm)" in out
    assert "add the apt source /etc/apt/sources.list.d/debian-trixie.sources (Debian trixie)" in out
    assert "which keeps every other package of this machine on bookworm, except what the" in out
    assert "engine needs from trixie: the C library, dpkg and base-files among them" in out


def test_without_apt_it_names_the_install_guide():
    code, out = run_script(f"rm /usr/bin/apt-get && bash {SCRIPT}")
    assert code == 1, out
    assert "this machine has no apt-get" in out
    assert "https://docs.docker.com/engine/install/" in out


@pytest.mark.parametrize("user", ["65534:65534"])
def test_as_a_user_it_changes_nothing_and_says_why(user):
    code, out = run_script(f"bash {SCRIPT}", user=user)
    assert code == 1, out
    assert "no Docker engine answers and this is not root: start Docker yourself" in out
    assert "This script will change" not in out


def test_the_plan_gives_the_build_cache_bounds_the_engines_get():
    """Both engines' configurations bound BuildKit's cache alike, with the numbers the plan gives."""
    gc = json.loads((REPO / "scripts" / "engine" / "daemon.json").read_text())["builder"]["gc"]
    store = json.loads((REPO / "scripts" / "engine" / "containerd-store.json").read_text())
    assert store["builder"]["gc"] == gc and store["features"] == {"containerd-snapshotter": True}
    code, out = run_script(f"bash {SCRIPT} --plan")
    plan = " ".join(line.removeprefix("ensure-docker:").strip() for line in out.splitlines())
    most, least, free = (gc[key].replace("GB", " GB") for key in
                         ("defaultMaxUsedSpace", "defaultReservedSpace", "defaultMinFreeSpace"))
    said = (f"the build cache stays under {most}, and is collected (not below {least}) while less "
            f"than {free} of the disk is free")
    assert said in plan, out
    assert gc["enabled"] is True


def test_an_engine_configuration_of_the_reader_is_left_as_it_is():
    code, out = run_script("mkdir -p /etc/docker && echo '{}' >/etc/docker/daemon.json && "
                           f"bash {SCRIPT} --plan")
    assert code == 0, out
    assert "leave /etc/docker/daemon.json as it is" in out
    assert out.count("/etc/docker/daemon.json") == 1, out  # neither written nor in the undo
