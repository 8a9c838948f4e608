"""What a test session needs around it: an engine that answers, and no litter left behind."""

from __future__ import annotations

import subprocess

import pytest

from harness import stores
from harness.dockerfiles import EXAMPLES


def require_engine() -> None:
    """Stop the whole run, loudly, when no Docker engine answers: nothing here is verifiable."""
    result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.exit("no Docker engine answers `docker info`; run `bash scripts/ensure-docker.sh` "
                    f"or start Docker.\n{result.stderr.strip()}", returncode=3)


def lines(*cmd: str, env: dict[str, str] | None = None) -> list[str]:
    return subprocess.run(cmd, capture_output=True, text=True, env=env).stdout.split()


def dangling_images() -> dict[str, set[str]]:
    """Each engine's dangling images (the second engine's, where it answers: none otherwise)."""
    return {engine: set(lines("docker", "images", "-q", "--no-trunc", "-f", "dangling=true",
                              env=stores.environment(engine)))
            for engine in stores.ENGINES}


def remove_new_dangling(before: dict[str, set[str]]) -> None:
    """Rebuilding a tag leaves its old image dangling: remove those this run made, no others,
    on both engines."""
    for engine, now in dangling_images().items():
        added = now - before.get(engine, set())
        if added:
            subprocess.run(["docker", "rmi", *added], capture_output=True, env=stores.environment(engine))


def containers() -> set[str]:
    return set(lines("docker", "ps", "-aq", "--no-trunc"))


def is_ours(image: str) -> bool:
    """An image the harness or a page builds: `guide/...`, or a repository named after an
    example (`python-api:runner`, the names page commands use)."""
    repository = image.rsplit(":", 1)[0] if "/" not in image.rsplit(":", 1)[-1] else image
    return repository.startswith("guide/") or repository in {p.name for p in EXAMPLES.iterdir()}


def ours(ids: set[str]) -> list[str]:
    """Those of the containers `ids` that run one of the guide's images."""
    if not ids:
        return []
    result = subprocess.run(["docker", "inspect", "-f", "{{.Id}} {{.Config.Image}}", *ids],
                            capture_output=True, text=True)
    pairs = [line.split() for line in result.stdout.splitlines()]
    return [pair[0] for pair in pairs if len(pair) == 2 and is_ours(pair[1])]


def remove_containers(ids: list[str]) -> None:
    if ids:
        subprocess.run(["docker", "rm", "-f", *ids], capture_output=True)
