"""What a test session needs around it: an engine that answers, room on its disk, and no litter
left behind."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness import stores
from harness.dockerfiles import EXAMPLES

# Less free space than this where the engine keeps its data, and a run may stop halfway with
# "No space left on device" (a warm run adds a gigabyte or two; a first run, its whole cache).
MIN_FREE_BYTES = 5 * 10**9


def engine_problem() -> str | None:
    """What to do when no Docker engine answers, or when the engine's disk is nearly full;
    None when it can work. The test session and the lint session's build checks ask it."""
    result = subprocess.run(["docker", "info", "--format", "{{.DockerRootDir}}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return ("no Docker engine answers `docker info`; run `bash scripts/ensure-docker.sh` "
                f"or start Docker.\n{result.stderr.strip()}")
    return disk_problem(Path(result.stdout.strip()))


def require_engine() -> None:
    """Stop the whole run, loudly, when no Docker engine answers (nothing here is verifiable),
    or when the engine's disk is nearly full."""
    import pytest  # here, not above: the lint session imports this module without pytest

    if problem := engine_problem():
        pytest.exit(problem, returncode=3)


def disk_problem(root: Path) -> str | None:
    """What to do when the disk under the engine's data root has less than MIN_FREE_BYTES
    free; None when it has more, or when that folder is not on this machine (an engine in a
    virtual machine, as Docker Desktop's, keeps its own disk)."""
    if not root.is_dir():
        return None
    free = shutil.disk_usage(root).free
    if free >= MIN_FREE_BYTES:
        return None
    return (f"only {free / 10**9:.1f} GB is free on the disk of {root}, where the engine keeps its "
            f"images and build cache; a run needs {MIN_FREE_BYTES / 10**9:.0f} GB or more. "
            "`scripts/nox -s clean` removes what the tests and pages made (the build cache whole); "
            "`docker builder prune --keep-storage 10GB` keeps the most recently used 10 GB of it.")


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
