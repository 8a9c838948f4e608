"""The second engine, with the containerd image store, for the commands whose result depends on
the image store: sizes as `docker images` reports them, multi-platform images and attestations
with the default builder. scripts/ensure-containerd-store.sh starts it beside the first engine
(classic store); a page block runs on it with `<!-- run: engine=containerd -->`.

    python -m harness.stores     copy the base images those pages need into its store, make
                                 debian:trixie-slim and node:24-slim for amd64 and arm64, and
                                 python:3.13-slim for arm64

No registry answers here, so its base images come from the first engine (`docker save | load`).
The classic store holds one platform under a tag; the containerd store holds an index of both,
so the arm64 builds of the examples run on this engine, with the stand-ins built for both
platforms from the same recipes (harness.base_images; arm64 under QEMU). python:3.13-slim is
built there for arm64 only, its CPython cross-compiled on this machine: the suite builds Python
for amd64 on the first engine, and compiling CPython once more for amd64 would add minutes.
Elsewhere, DOCKER_HOST_CONTAINERD_STORE names an engine with the containerd store to use instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import base_images
from harness.dockerfiles import TEMP_PREFIX

HOST = os.environ.get("DOCKER_HOST_CONTAINERD_STORE", "unix:///run/docker-containerd-store.sock")
ENGINES = {"classic": None, "containerd": HOST}
# The FROM images of what the store-dependent pages build there (go-static, secrets).
NEEDS = ("golang:1.27",)
# Built there for both platforms, as one index each.
PLATFORMS = "linux/amd64,linux/arm64"
MULTI_PLATFORM = ("debian:trixie-slim", "node:24-slim")
ARM64_ONLY = ("python:3.13-slim",)


def platforms_of(image: str) -> str:
    return "linux/arm64" if image in ARM64_ONLY else PLATFORMS


def environment(engine: str) -> dict[str, str] | None:
    """The environment for a command on `engine` (None: this process's own, the first engine)."""
    host = ENGINES[engine]
    return None if host is None else {**os.environ, "DOCKER_HOST": host}


def present(image: str, platform: str | None = None) -> bool:
    platform_flag = ["--platform", platform] if platform else []
    return subprocess.run(["docker", "image", "inspect", *platform_flag, image],
                          env=environment("containerd"), capture_output=True).returncode == 0


def buildx(*args: str, platforms: str = PLATFORMS) -> None:
    subprocess.run(["docker", "buildx", "build", "--progress=plain", "--platform", platforms, *args],
                   env=environment("containerd"), check=True, stdout=sys.stderr, stderr=sys.stderr)


def labelled(image: str) -> list[str]:
    recipe = base_images.RECIPES[image]
    labels = base_images.common_labels(image, recipe)
    return [word for key, value in labels.items() for word in ("--label", f"{key}={value}")]


def build_debian() -> None:
    """debian:trixie-slim for both platforms: each one's rootfs as the stand-in recipe makes it."""
    base_images.ensure_mmdebstrap()
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX, dir="/var/tmp") as folder:
        for arch in ("amd64", "arm64"):
            subprocess.run(["bash", str(base_images.RECIPES_DIR / "debian" / "rootfs.sh"), "trixie", "slim",
                            f"{folder}/rootfs-{arch}.tar", arch], check=True, stdout=sys.stderr)
        Path(folder, "Dockerfile").write_text(
            'FROM scratch\nARG TARGETARCH\nADD rootfs-${TARGETARCH}.tar /\nCMD ["bash"]\n')
        buildx("-t", "debian:trixie-slim", *labelled("debian:trixie-slim"), folder)


def build_node() -> None:
    with base_images.certs_context() as certs:
        buildx("--build-context", f"certs={certs}", "--target", "slim", "-t", "node:24-slim",
               *labelled("node:24-slim"), str(base_images.RECIPES_DIR / "node"))


def build_python() -> None:
    """Its apt-get steps need the network, which this engine's containers reach from the host's."""
    with base_images.certs_context() as certs:
        buildx("--network=host", "--build-context", f"certs={certs}", "--target", "slim",
               "-t", "python:3.13-slim", *labelled("python:3.13-slim"),
               str(base_images.RECIPES_DIR / "python"), platforms=platforms_of("python:3.13-slim"))


def copy_base_images() -> None:
    for image in NEEDS:
        if present(image):
            continue
        print(f"stores: copying {image} into the containerd image store", file=sys.stderr, flush=True)
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        subprocess.run(["docker", "load", "-q"], stdin=save.stdout, env=environment("containerd"),
                       check=True, stdout=subprocess.DEVNULL)
        if save.wait() != 0:
            raise SystemExit(f"stores: `docker save {image}` failed on the first engine")


def ensure_multi_platform() -> None:
    builders = {"debian:trixie-slim": build_debian, "node:24-slim": build_node,
                "python:3.13-slim": build_python}
    for image in MULTI_PLATFORM + ARM64_ONLY:
        if not present(image, "linux/arm64"):
            print(f"stores: building {image} for {platforms_of(image)} (arm64 under QEMU)", file=sys.stderr,
                  flush=True)
            started = time.monotonic()
            builders[image]()
            seconds = time.monotonic() - started
            print(f"stores: {image}: built in {seconds:.0f} s", file=sys.stderr, flush=True)


if __name__ == "__main__":
    try:
        copy_base_images()
        ensure_multi_platform()
    except subprocess.CalledProcessError as error:
        raise SystemExit(f"stores: `{' '.join(map(str, error.cmd))}` failed (exit {error.returncode}); "
                         "its output is above") from None
