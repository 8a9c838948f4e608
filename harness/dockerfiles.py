"""Reading Dockerfiles: stages, the images they start from, their instructions.

A deliberately small parser: enough for the base images an example needs, the stage graph a
page draws and the checks the tests make. It joins continuation lines and drops comments, as
the Dockerfile frontend does. `external_images` expands an ARG in a FROM line or a --from only
from the defaults of the global ARGs (those above the first FROM), and refuses one it cannot
resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
# Temporary files and folders the harness makes start with this, so `nox -s clean` finds them.
TEMP_PREFIX = "multistage-guide-"


@dataclass
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY ...
    args: str  # the rest of the (joined) line
    line: int  # 1-based line where the instruction starts


@dataclass
class Stage:
    index: int
    base: str  # image or earlier stage named in FROM
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return self.name or str(self.index)

    def copies_from(self) -> list[str]:
        """Stages or images this stage reads with COPY --from or RUN --mount=...,from=."""
        found = []
        for ins in self.instructions:
            if ins.keyword in ("COPY", "ADD"):
                found += re.findall(r"--from=(\S+)", ins.args)
            elif ins.keyword == "RUN":
                for mount in re.findall(r"--mount=(\S+)", ins.args):
                    found += re.findall(r"(?:^|,)from=([^,\s]+)", mount)
        return found


def instructions(text: str) -> list[Instruction]:
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are dropped
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        keyword, _, args = joined.partition(" ")
        result.append(Instruction(keyword.upper(), args.strip(), start))
    return result


def stages(text: str) -> list[Stage]:
    found: list[Stage] = []
    for ins in instructions(text):
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else None
            found.append(Stage(len(found), words[0], name, ins.line))
        elif found:
            found[-1].instructions.append(ins)
    return found


def parse(path: Path) -> list[Stage]:
    return stages(Path(path).read_text())


GLOBAL_ARG = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def global_args(text: str) -> dict[str, str]:
    """The ARGs above the first FROM, with their defaults ("" when none)."""
    found: dict[str, str] = {}
    for ins in instructions(text):
        if ins.keyword == "FROM":
            break
        if ins.keyword == "ARG":
            for word in ins.args.split():
                name, _, default = word.partition("=")
                found[name] = default.strip("\"'")
    return found


def external_images(path: Path) -> set[str]:
    """Images a Dockerfile needs from outside: FROM and --from names that are not its stages.
    `$NAME` and `${NAME}` take the default of the global ARG NAME (a build may pass another)."""
    text = Path(path).read_text()
    defaults = global_args(text)
    own: set[str] = set()
    needed: set[str] = set()

    def expand(ref: str) -> str:
        return GLOBAL_ARG.sub(lambda m: defaults.get(m.group(1) or m.group(2)) or m.group(0), ref)

    for stage in stages(text):
        base = expand(stage.base)
        for ref in [base] + [expand(ref) for ref in stage.copies_from()]:
            if ref.lower() in own or ref.isdigit() or ref == "scratch":
                continue
            if "$" in ref:
                raise ValueError(f"{path}: cannot resolve the image {ref!r} (an ARG)")
            if ref == base or ":" in ref or "/" in ref:
                needed.add(ref)
        own.add(stage.ref.lower())
    return needed


# examples/troubleshooting/ has a folder for each entry of the troubleshooting page. Where the fix
# is in the Dockerfile, the folder's `Dockerfile` is broken on purpose: the page runs it and wants
# the exact error (tests/test_troubleshooting.py checks that the page does, for every folder), so
# hadolint, the build checks and the other checks of examples would report what the page is there
# to show. Those are left out of the examples; `Dockerfile.fixed` beside each is the fix and is
# checked like any example. A folder whose fix is a command has no Dockerfile.fixed, and its
# Dockerfile is checked too.
TROUBLESHOOTING = EXAMPLES / "troubleshooting"


def broken_dockerfiles() -> list[Path]:
    """The troubleshooting page's deliberately broken Dockerfiles: those with a fixed sibling."""
    return sorted(fixed.with_name("Dockerfile") for fixed in TROUBLESHOOTING.glob("*/Dockerfile.fixed"))


# examples/lint/ holds the Dockerfiles of the lint page (docs/*/lint.md): the original article's
# Dockerfiles as the pages quote them (original/, base images this guide does not use) and small
# files that break a build check or a hadolint rule on purpose, so the page can show the warning.
# Every one of them is warned about by design: all are left out of the examples, like the
# troubleshooting page's broken Dockerfiles (tests/test_lint.py holds the page to them).
LINT = EXAMPLES / "lint"


def lint_dockerfiles() -> list[Path]:
    """The lint page's Dockerfiles, each warned about on purpose."""
    return sorted(p for p in LINT.rglob("Dockerfile*") if p.suffix != ".dockerignore")


def example_dockerfiles() -> list[Path]:
    # Dockerfile.docs.dockerignore is the ignore file of Dockerfile.docs, not a Dockerfile.
    broken = set(broken_dockerfiles()) | set(lint_dockerfiles())
    return sorted(p for p in EXAMPLES.rglob("Dockerfile*")
                  if "node_modules" not in p.parts and p.suffix != ".dockerignore" and p not in broken)


# exercises/ holds the exercises of docs/*/exercises.md (harness/exercises.py): each folder's
# `Dockerfile` is the starting point, wrong on purpose (build tools or a secret in the runtime
# image, root, a test stage nothing builds, a cache-busting order), so hadolint and the build
# checks would report what the reader is there to fix; tests/test_exercises.py holds each to its
# expected findings instead. `Dockerfile.solution` beside it is written like an example and is
# checked like one: lint and tests/test_buildchecks.py take exercise_solutions() too.
EXERCISES = REPO / "exercises"


def exercise_starting_points() -> list[Path]:
    """The exercises' Dockerfiles as the reader gets them: wrong on purpose."""
    return sorted(EXERCISES.glob("*/Dockerfile"))


def exercise_solutions() -> list[Path]:
    """One solution per exercise, held to the rules of the examples."""
    return sorted(EXERCISES.glob("*/Dockerfile.solution"))
