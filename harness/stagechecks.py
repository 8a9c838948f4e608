"""What a Dockerfile's stages get wrong, read from its text alone (harness.dockerfiles parses it).

Each check takes the parsed stages (and the text where it needs the lines above the first FROM)
and returns the places it found, as `Spot`s: a line, the stage it is in, and what is there. The
audit (harness.audit) turns them into findings; the suite proves each on the examples and on
tests/fixtures/audit/.

The rules are BuildKit's: a build runs the target stage and the stages it starts FROM, copies or
mounts from, and no other; `--target` takes a stage's name, so an unnamed stage is reachable only
from a later stage that names its index; a global ARG (above the first FROM) is in scope in
FROM lines only, and in a stage once that stage, or a stage it starts FROM, declares it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.dockerfiles import Instruction, Stage, global_args

# The platform ARGs BuildKit defines in the global scope: a stage must declare them too.
AUTOMATIC_ARGS = ("TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
                  "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT")
# $NAME or ${NAME...}, not escaped (\$NAME) and not a literal $$.
VARIABLE = re.compile(r"(?<![\\$])\$(?:\{(\w+)[^}]*\}|(\w+))")
# A stage that runs tests: "test", "tests", "unit-test", "test-run" ... (and has a RUN).
TEST_NAME = re.compile(r"(?:^|[-_.])tests?(?:$|[-_.])")
# hadolint-style: the comment lines right above an instruction may turn a finding off, with the
# reason on the same or the previous comment line.
IGNORE = re.compile(r"#\s*multistage-audit\s+ignore=([\w,-]+)")


@dataclass(frozen=True)
class Spot:
    line: int
    stage: str  # the stage's name, or its index for an unnamed one
    detail: str


def resolve(stages: list[Stage], ref: str, before: int) -> Stage | None:
    """The stage `ref` names (a name, any case, or an index) among the stages above `before`:
    a stage can only use the ones above it. None for an image."""
    for stage in stages[:before]:
        if ref.lower() == (stage.name or "") or ref == str(stage.index):
            return stage
    return None


def target_stage(stages: list[Stage], target: str | None) -> Stage | None:
    """The stage a build of `target` makes: the last one when no target is given."""
    if target is None:
        return stages[-1] if stages else None
    return next((s for s in stages if s.name == target.lower()), None)


def chain(stages: list[Stage], stage: Stage) -> list[Stage]:
    """`stage` and the stages it starts FROM, the first ancestor first: whose instructions the
    image's history holds, in that order."""
    found = [stage]
    while (parent := resolve(stages, found[0].base, found[0].index)) is not None:
        found.insert(0, parent)
    return found


def external_base(stages: list[Stage], stage: Stage) -> str:
    """The image the chain of `stage` starts from (`scratch` included)."""
    return chain(stages, stage)[0].base


def needed(stages: list[Stage], target: Stage) -> list[Stage]:
    """The stages a build of `target` runs, in file order: the target, the stages it starts
    FROM, copies from or mounts from, and theirs in turn. BuildKit skips every other stage."""
    seen: dict[int, Stage] = {}
    todo = [target]
    while todo:
        stage = todo.pop()
        if stage.index in seen:
            continue
        seen[stage.index] = stage
        for ref in [stage.base, *stage.copies_from()]:
            if (used := resolve(stages, ref, stage.index)) is not None:
                todo.append(used)
    return [seen[i] for i in sorted(seen)]


def refs_of(ins: Instruction) -> list[str]:
    """The stages or images one instruction copies or mounts from (Stage.copies_from, for one)."""
    return Stage(0, "", None, ins.line, [ins]).copies_from()


def unnamed_stages(stages: list[Stage]) -> list[Spot]:
    """Stages without `AS name` in a Dockerfile of more than one stage (one stage needs none)."""
    if len(stages) < 2:
        return []
    return [Spot(s.line, s.ref, f"FROM {s.base} has no AS name") for s in stages if s.name is None]


def copies_from_index(stages: list[Stage]) -> list[Spot]:
    """COPY --from=N (and RUN --mount=...,from=N): a stage named by its position."""
    found = []
    for stage in stages:
        for ins in stage.instructions:
            found += [Spot(ins.line, stage.ref, f"{ins.keyword} --from={ref}")
                      for ref in refs_of(ins) if ref.isdigit()]
    return found


def unreachable_stages(stages: list[Stage]) -> list[Spot]:
    """Stages no build can run: unnamed (so --target cannot name them), not the last, and used
    by no later stage."""
    used = {id(s) for stage in stages for ref in [stage.base, *stage.copies_from()]
            if (s := resolve(stages, ref, stage.index)) is not None}
    return [Spot(s.line, s.ref, f"stage {s.ref} (FROM {s.base}) is unnamed and no later stage uses it")
            for s in stages[:-1] if s.name is None and id(s) not in used]


def is_test_stage(stage: Stage) -> bool:
    return bool(stage.name and TEST_NAME.search(stage.name)) and \
        any(ins.keyword == "RUN" for ins in stage.instructions)


def skipped_test_stages(stages: list[Stage], target: Stage) -> list[Spot]:
    """Stages that run tests and that a build of `target` skips."""
    built = {s.index for s in needed(stages, target)}
    return [Spot(s.line, s.ref, f"Dockerfile:{s.line}: stage {s.ref} runs tests; target {target.ref} "
                                f"does not build it")
            for s in stages if is_test_stage(s) and s.index not in built]


def declared_names(ins: Instruction) -> set[str]:
    """The names an ARG or ENV instruction defines (`ARG A B=1`, `ENV A=1 B=2`, `ENV A 1`)."""
    words = ins.args.split()
    if ins.keyword == "ENV" and words and "=" not in words[0]:
        return {words[0]}
    return {word.partition("=")[0] for word in words if not word.startswith("--")}


def args_out_of_scope(stages: list[Stage], text: str) -> list[Spot]:
    """Uses of a global ARG (or a platform ARG) in a stage that has not declared it: BuildKit
    expands them to an empty string there."""
    scoped = set(global_args(text)) | set(AUTOMATIC_ARGS)
    in_scope: dict[int, set[str]] = {}  # per stage: the names declared by its end
    found = []
    for stage in stages:
        parent = resolve(stages, stage.base, stage.index)
        known = set(in_scope[parent.index]) if parent else set()
        for ins in stage.instructions:
            if ins.keyword in ("ARG", "ENV"):
                known |= declared_names(ins)
                continue
            for match in VARIABLE.finditer(ins.args):
                name = match.group(1) or match.group(2)
                if name in scoped and name not in known:
                    found.append(Spot(ins.line, stage.ref, f"{match.group(0)} in {ins.keyword}: "
                                                           f"ARG {name} is not declared in this stage"))
        in_scope[stage.index] = known
    return found


def unpinned_bases(stages: list[Stage]) -> list[Spot]:
    """FROM (or COPY --from) images with no tag, or the tag `latest`, and no digest."""
    found = []
    for stage in stages:
        refs = [(stage.line, "FROM", stage.base)]
        refs += [(ins.line, ins.keyword, ref) for ins in stage.instructions for ref in refs_of(ins)]
        for line, keyword, ref in refs:
            if resolve(stages, ref, stage.index) or ref.isdigit() or ref == "scratch" or "$" in ref:
                continue
            if keyword != "FROM" and ":" not in ref and "/" not in ref:
                continue  # a --from word that is neither a stage nor an image reference
            name = ref.rsplit("/", 1)[-1]
            if "@" not in ref and (":" not in name or name.endswith(":latest")):
                found.append(Spot(line, stage.ref, f"{keyword} {ref}: no version tag"))
    return found


def runtime_user(stages: list[Stage], target: Stage) -> tuple[Instruction | None, Stage]:
    """The last USER instruction of the target's chain (None: the base image's user), and the
    stage that sets it (the target itself when none does)."""
    for stage in reversed(chain(stages, target)):
        for ins in reversed(stage.instructions):
            if ins.keyword == "USER":
                return ins, stage
    return None, target


def ignored(text: str, line: int) -> set[str]:
    """Finding ids turned off by `# multistage-audit ignore=ID[,ID]` in the comment lines right
    above `line`."""
    lines = text.splitlines()
    found: set[str] = set()
    number = line - 2  # the line above, 0-based
    while number >= 0 and lines[number].lstrip().startswith("#"):
        if match := IGNORE.search(lines[number]):
            found |= set(match.group(1).split(","))
        number -= 1
    return found
