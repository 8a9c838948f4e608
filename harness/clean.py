"""Remove what the harness and the pages made: containers, images, build cache, temporary files.

    python -m harness.clean      (nox -s clean)
    python -m harness.clean --containers   only the containers (the test session starts with this)

On both engines (the first, and the one with the containerd image store where it answers),
images are found by the harness label (`guide/...` tags) or by a repository named after an
example (`python-api:runner`, the names page commands use). Base images stay. BuildKit does not
record who made a cache entry, so the build cache goes whole (`docker buildx prune --all`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import stores
from harness.dockerfiles import REPO, TEMP_PREFIX
from harness.images import BUILT_BY
from harness.pages import tags_built
from harness.session import containers, is_ours, lines, ours, remove_containers


def page_tags() -> set[str]:
    """Every tag a page's console command builds (`docker build -t offline:builtin ...`)."""
    pages = sorted((REPO / "docs").rglob("*.md")) + sorted(REPO.glob("examples/*/README*.md"))
    return set().union(*(tags_built(page.read_text()) for page in pages))


def our_images(engine: str = "classic") -> set[str]:
    env = stores.environment(engine)
    refs = lines("docker", "images", "--format", "{{.Repository}}:{{.Tag}}", env=env)
    found = {ref for ref in refs if is_ours(ref)} | (set(refs) & page_tags())
    return found | set(lines("docker", "images", "-q", "--filter", f"label={BUILT_BY}=harness", env=env))


def answers(engine: str) -> bool:
    result = subprocess.run(["docker", "info"], capture_output=True, env=stores.environment(engine))
    return result.returncode == 0


def temporary_folders() -> list[Path]:
    places = {Path(tempfile.gettempdir()), Path("/var/tmp")}
    return sorted(p for place in places if place.is_dir() for p in place.glob(f"{TEMP_PREFIX}*"))


def main(args: list[str]) -> int:
    leftovers = ours(containers())
    remove_containers(leftovers)
    print(f"clean: removed {len(leftovers)} containers of the guide's images")
    if args == ["--containers"]:
        return 0
    folders = temporary_folders()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True) if folder.is_dir() else folder.unlink(missing_ok=True)
    print(f"clean: removed {len(folders)} temporary files and folders ({TEMP_PREFIX}*)")
    # Both engines: the pages and tests build on the one with the containerd image store too.
    for engine in stores.ENGINES:
        if not answers(engine):
            print(f"clean: the {engine}-store engine does not answer; nothing removed there")
            continue
        env = stores.environment(engine)
        images = sorted(our_images(engine))
        if images:
            subprocess.run(["docker", "rmi", "-f", *images], capture_output=True, env=env)
        print(f"clean: removed {len(images)} image references ({engine}-store engine)")
        pruned = subprocess.run(["docker", "buildx", "prune", "--all", "--force"], capture_output=True,
                                text=True, env=env)
        total = pruned.stdout.strip().splitlines()[-1:] or ["nothing"]
        print(f"clean: build cache pruned ({engine}-store engine: {total[0]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
