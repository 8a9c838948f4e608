"""The evidence rule: every page section shows its proof, or says why it needs none.

A section is a `##` or `###` heading and the text under it. A `##` section also owns its `###`
subsections; a `###` section runs to the next `##` or `###`. A section has evidence when it holds
an executed ```console block (one not marked `<!-- skip: ... -->`) or a `<!-- claim: ... -->`.
A section that only links, defines or summarises says so with `<!-- no-evidence: REASON -->`
in its own text (before its first subsection).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

HEADING = re.compile(r"^(#{2,3})\s+(.*?)\s*$")
FENCE = re.compile(r"^\s*```(\w*)")
SKIP = re.compile(r"<!--\s*skip\b")
CLAIM = re.compile(r"<!--\s*claim:")
MARK = re.compile(r"<!--\s*no-evidence:\s*(\S.*?)\s*-->")


@dataclass
class Section:
    path: Path
    line: int  # line of the heading, 1-based
    level: int  # 2 or 3
    title: str
    evidence: bool = False  # in the section's own text
    marked: bool = False  # `<!-- no-evidence: REASON -->` in its own text
    subsections: tuple[Section, ...] = ()

    def proven(self) -> bool:
        return self.evidence or any(sub.evidence for sub in self.subsections)

    def passes(self) -> bool:
        return self.marked or self.proven()

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def sections(path: Path) -> list[Section]:
    """The `##` and `###` sections of a Markdown page, in page order."""
    found: list[Section] = []
    current: Section | None = None
    parent: Section | None = None
    in_fence = False
    previous = ""  # the last non-blank line outside code, to see a directive above a fence
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fence = FENCE.match(line)
        if fence:
            if not in_fence and current is not None and fence.group(1) == "console" \
                    and not SKIP.search(previous):
                current.evidence = True
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        heading = HEADING.match(line)
        if heading:
            current = Section(path, number, len(heading.group(1)), heading.group(2))
            if current.level == 2:
                parent = current
            elif parent is not None:
                parent.subsections += (current,)
            found.append(current)
        elif current is not None:
            if CLAIM.search(line):
                current.evidence = True
            if MARK.search(line):
                current.marked = True
        if line.strip():
            previous = line
    return found


def missing(paths: list[Path]) -> list[Section]:
    """The sections of these pages with neither evidence nor a no-evidence mark."""
    return [section for path in paths for section in sections(path) if not section.passes()]


def count(paths: list[Path]) -> tuple[int, int]:
    """(sections with evidence, all sections) over these pages."""
    every = [section for path in paths for section in sections(path)]
    return sum(section.proven() for section in every), len(every)
