"""BuildKit's build checks on a Dockerfile (`docker buildx build --call=check,format=json`): the
rules it breaks, with their lines. The suite wants none on every example; the lint session prints
them.

And the stages' descriptions (`--call=targets,format=json`): BuildKit describes a stage with the
first comment line above its FROM (since the instruction before) that starts with the stage's
name, and `docker buildx build --call=targets` prints it. Every stage of an example has one, on
the line directly above its FROM (`# builder compiles ...`), where BuildKit's experimental rule
InvalidDefinitionDescription wants it too; a stage without a name gets none, so only a
single-stage Dockerfile may leave its stage unnamed.

    python -m harness.buildchecks [DOCKERFILE ...]   every example's Dockerfile by default
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness import buildx, session
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


@dataclass(frozen=True)
class Target:
    name: str | None  # None: a stage without `AS name`
    description: str | None
    line: int  # its FROM line


def call(dockerfile: Path, method: str) -> dict:
    """`docker buildx build --call=METHOD,format=json` on one Dockerfile, its folder as context."""
    result = subprocess.run([*buildx.program(), "build", f"--call={method},format=json",
                             "-f", str(dockerfile), str(dockerfile.parent)], capture_output=True, text=True)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"{dockerfile}: the build check did not run: "
                          f"{(result.stderr.strip().splitlines() or ['no output'])[-1]}") from None
    if error := report.get("buildError"):
        raise CheckFailed(f"{dockerfile}:{first_line(error)}: the build check did not run: "
                          f"{error.get('message')}")
    return report


def first_line(item: dict) -> int:
    return (item.get("location", {}).get("ranges") or [{}])[0].get("start", {}).get("line", 0)


def warnings(dockerfile: Path) -> list[Finding]:
    """The build checks' warnings for one Dockerfile (every stage, whatever the target)."""
    report = call(dockerfile, "check")
    return [Finding(warning["ruleName"], first_line(warning), warning.get("detail", ""))
            for warning in report.get("warnings") or []]


def targets(dockerfile: Path) -> list[Target]:
    """The stages as BuildKit lists them (`--call=targets`), with its description of each."""
    return [Target(target.get("name"), target.get("description"), first_line(target))
            for target in call(dockerfile, "targets").get("targets") or []]


def undescribed(dockerfile: Path) -> list[str]:
    """Each stage BuildKit prints without a description, or with one that is not the comment line
    directly above its FROM (an earlier comment that happens to start with the stage's name)."""
    shown = dockerfile.relative_to(REPO) if dockerfile.is_relative_to(REPO) else dockerfile
    lines = dockerfile.read_text().splitlines()
    found = targets(dockerfile)
    problems = []
    for target in found:
        where = f"{shown}:{target.line}"
        if target.name is None:
            if len(found) > 1:
                problems.append(f"{where}: a stage without a name, which BuildKit cannot describe: "
                                f"name it (FROM ... AS NAME) and describe it")
            continue
        above = lines[target.line - 2].strip() if target.line >= 2 else ""
        wanted = f"# {target.name} <what the stage is>"
        if not target.description:
            problems.append(f"{where}: stage {target.name} has no description: write `{wanted}` "
                            f"on the line above its FROM")
        elif not above.startswith("#") or above.lstrip("#").strip() != f"{target.name} {target.description}":
            problems.append(f"{where}: stage {target.name} is described by an earlier comment "
                            f"({target.description!r}), not by the line above its FROM: "
                            f"write `{wanted}` there")
    return problems


def main(paths: list[str]) -> int:
    dockerfiles = [Path(p).resolve() for p in paths] or example_dockerfiles()
    if problem := session.engine_problem():  # the test session's own question and answer
        print(f"build checks: {problem}", file=sys.stderr)
        return 2
    try:
        found = [w.where(d) for d in dockerfiles for w in warnings(d)]
        found += [problem for d in dockerfiles for problem in undescribed(d)]
    except CheckFailed as error:  # a Dockerfile that does not parse: said, not a traceback
        print(f"build checks: {error}", file=sys.stderr)
        return 2
    print("\n".join(found) or f"build checks: no warnings in {len(dockerfiles)} Dockerfiles, "
          f"every stage described")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
