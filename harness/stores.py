"""The second engine, with the containerd image store, for the commands whose result depends on
the image store: sizes as `docker images` reports them, multi-platform images and attestations
with the default builder. scripts/ensure-containerd-store.sh starts it beside the first engine
(classic store); a page block runs on it with `<!-- run: engine=containerd -->`.

    python -m harness.stores     copy the base images those pages need into its store

No registry answers here, so its base images come from the first engine (`docker save | load`).
Elsewhere, DOCKER_HOST_CONTAINERD_STORE names an engine with the containerd store to use instead.
"""

from __future__ import annotations

import os
import subprocess
import sys

HOST = os.environ.get("DOCKER_HOST_CONTAINERD_STORE", "unix:///run/docker-containerd-store.sock")
ENGINES = {"classic": None, "containerd": HOST}
# The FROM images of what the store-dependent pages build there (go-static, secrets).
NEEDS = ("golang:1.27", "debian:trixie-slim")


def environment(engine: str) -> dict[str, str] | None:
    """The environment for a command on `engine` (None: this process's own, the first engine)."""
    host = ENGINES[engine]
    return None if host is None else {**os.environ, "DOCKER_HOST": host}


def present(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], env=environment("containerd"),
                          capture_output=True).returncode == 0


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


if __name__ == "__main__":
    copy_base_images()
