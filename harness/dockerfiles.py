"""Reading Dockerfiles: stages, the images they start from, their instructions.

A deliberately small parser: enough for the base images an example needs, the stage graph a
page draws and the checks the tests make. It joins continuation lines and drops comments, as
the Dockerfile frontend does; it does not expand ARGs in FROM lines (none of the examples use
them, and `external_images` refuses one it cannot resolve).
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


def external_images(path: Path) -> set[str]:
    """Images a Dockerfile needs from outside: FROM and --from names that are not its stages."""
    own: set[str] = set()
    needed: set[str] = set()
    for stage in parse(path):
        refs = [stage.base] + stage.copies_from()
        for ref in refs:
            if ref.lower() in own or ref.isdigit() or ref == "scratch":
                continue
            if "$" in ref:
                raise ValueError(f"{path}: cannot resolve the image {ref!r} (an ARG)")
            if stage.base == ref or ":" in ref or "/" in ref:
                needed.add(ref)
        own.add(stage.ref.lower())
    return needed


def example_dockerfiles() -> list[Path]:
    # Dockerfile.docs.dockerignore is the ignore file of Dockerfile.docs, not a Dockerfile.
    return sorted(p for p in EXAMPLES.rglob("Dockerfile*")
                  if "node_modules" not in p.parts and p.suffix != ".dockerignore")
