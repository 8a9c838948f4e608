"""Remove what the harness and the pages made: their containers and images.

    python -m harness.clean      (nox -s clean)

Images are found by the harness label (`guide/...` tags) or by a repository named after an
example (`python-api:runner`, the names page commands use). Base images stay.
"""

from __future__ import annotations

import subprocess

from harness.dockerfiles import EXAMPLES
from harness.images import BUILT_BY


def lines(*cmd: str) -> list[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split()


def main() -> int:
    examples = {p.name for p in EXAMPLES.iterdir() if p.is_dir()}
    refs = set(lines("docker", "images", "--format", "{{.Repository}}:{{.Tag}}"))
    ours = sorted(r for r in refs if r.startswith("guide/") or r.split(":")[0] in examples)
    ours += lines("docker", "images", "-q", "--filter", f"label={BUILT_BY}=harness")
    containers = set()
    for ref in ours:
        containers.update(lines("docker", "ps", "-aq", "--filter", f"ancestor={ref}"))
    if containers:
        subprocess.run(["docker", "rm", "-f", *sorted(containers)], check=True, capture_output=True)
    if ours:
        subprocess.run(["docker", "rmi", "-f", *sorted(set(ours))], capture_output=True)
    print(f"clean: removed {len(containers)} containers and {len(set(ours))} image references")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
