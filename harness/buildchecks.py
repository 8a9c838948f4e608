"""BuildKit's build checks on a Dockerfile (`docker buildx build --call=check,format=json`): the
rules it breaks, with their lines. The suite wants none on every example; the lint session prints
them.

    python -m harness.buildchecks [DOCKERFILE ...]   every example's Dockerfile by default
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.dockerfiles import REPO, example_dockerfiles


@dataclass(frozen=True)
class Finding:
    rule: str
    line: int
    detail: str

    def where(self, dockerfile: Path) -> str:
        shown = dockerfile.relative_to(REPO) if dockerfile.is_relative_to(REPO) else dockerfile
        return f"{shown}:{self.line}: {self.rule}: {self.detail}"


class CheckFailed(AssertionError):
    pass


def warnings(dockerfile: Path) -> list[Finding]:
    """The build checks' warnings for one Dockerfile (every stage, whatever the target)."""
    result = subprocess.run(["docker", "buildx", "build", "--call=check,format=json", "-f", str(dockerfile),
                             str(dockerfile.parent)], capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"{dockerfile}: the build check did not run: "
                          f"{(result.stderr.strip().splitlines() or ['no output'])[-1]}") from None
    if error := report.get("buildError"):
        line = (error.get("location", {}).get("ranges") or [{}])[0].get("start", {}).get("line", 0)
        raise CheckFailed(f"{dockerfile}:{line}: the build check did not run: {error.get('message')}")
    found = []
    for warning in report.get("warnings") or []:
        ranges = warning.get("location", {}).get("ranges") or [{}]
        found.append(Finding(warning["ruleName"], ranges[0].get("start", {}).get("line", 0),
                             warning.get("detail", "")))
    return found


def main(paths: list[str]) -> int:
    dockerfiles = [Path(p).resolve() for p in paths] or example_dockerfiles()
    found = [w.where(d) for d in dockerfiles for w in warnings(d)]
    print("\n".join(found) or f"build checks: no warnings in {len(dockerfiles)} Dockerfiles")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
