"""Which pages may run on a pytest-xdist worker of their own (harness/plugin.py).

Pages share what their commands make: an image one page tags and another runs, a container
name, a host port, a file or folder one of them writes. Two pages that share one of these
cannot run at once, so most pages and the examples' READMEs run on one worker, in page order.
The groups in APART share none of them with any other page; each runs on a worker of its own.
A group is a page in both languages and the READMEs of the example it uses (a page and its
translation share their recorded runs, harness.pages.SharedRuns). tests/test_page_units.py
checks on every run that no other page names what a group's commands make.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sybil import Document

from harness.dockerfiles import REPO
from harness.pages import ConsoleBlock, base_images, parse_console_blocks


def both_languages(*stems: str) -> tuple[str, ...]:
    return tuple(f"docs/{lang}/{stem}.md" for stem in stems for lang in ("ko", "en"))


APART = {
    "troubleshooting": (*both_languages("troubleshooting"), "examples/troubleshooting/"),
    # go-static.md leaves out/ for cross-platform.md; debugging.md runs go-static's image, and
    # tests/test_debugging.py reads the build history debugging.md's failed builds write.
    "go-static": (*both_languages("go-static", "cross-platform", "debugging"), "examples/go-static/",
                  "examples/debugging/", "tests/test_debugging.py"),
    "exercises": both_languages("exercises"),
    "python-uv": (*both_languages("python-uv"), "examples/python-uv/"),
    "copy-flags": (*both_languages("copy-flags"), "examples/copy-flags/"),
    "lint": (*both_languages("lint"), "examples/lint/"),
    "secrets": (*both_languages("secrets"), "examples/secrets/"),
}


def unit_of(path: str) -> str | None:
    """`pages:NAME` for a page (or test module) of APART group NAME, None for any other path."""
    return next((f"pages:{name}" for name, prefixes in APART.items() if path.startswith(prefixes)), None)


# An image by name and tag (`python-api:runner`), not a user (`10001:10001`), an address or a
# build context's name before `=`.
IMAGE = re.compile(r"(?<![\w/.:=-])([a-z][a-z0-9._/-]*:[A-Za-z0-9][A-Za-z0-9._-]*)(?![\w/:])")
TAGGED = re.compile(r"(?:-t|--tag)[ =]([^\s:]+)(?:\s|$)")
CONTAINER = re.compile(r"--name[ =](\S+)|docker (?:container )?(?:stop|rm|logs|port|exec|kill|inspect|"
                       r"start|restart|wait)(?: -{1,2}\S+)* ([a-z][\w.-]+)")
PORT = re.compile(r"-p (?:127\.0\.0\.1:)?(\d+):|(?:127\.0\.0\.1|localhost):(\d+)")
TEMPORARY = re.compile(r"(/tmp/[\w.-]+)")
DESTINATION = re.compile(r"dest=([\w./-]+)")
# What writes into the folder a command runs in: a redirect to a file, or a command that makes,
# changes or removes files (docker rm and rmi remove containers and images, not files).
WRITES = re.compile(r">|(?<!-)\b(?:cp|mv|mkdir|touch|tee|sed -i|rm)\b")
NOT_WRITES = re.compile(r"\d?>\s*/dev/null|\d?>&\d|docker (?:container |image )?(?:rm|rmi)\b")


@functools.cache
def resources(path: Path) -> set[str]:
    """What the commands of one page or README make or use that another page could too: its
    console blocks as harness.pages reads them (a block skipped or written wrong runs nothing)."""
    bases = base_images()
    found: set[str] = set()
    for region in parse_console_blocks(Document(path.read_text(), str(path))):
        block = region.parsed
        if not isinstance(block, ConsoleBlock) or block.skip:
            continue
        for command in block.commands:
            text = command.text
            found |= {f"image {name}" for name in IMAGE.findall(text) if name not in bases}
            found |= {f"image {name}:latest" for name in TAGGED.findall(text)}
            found |= {f"container {a or b}" for a, b in CONTAINER.findall(text)}
            found |= {f"port {a or b}" for a, b in PORT.findall(text)}
            found |= {f"file {name}" for name in TEMPORARY.findall(text)}
            found |= {f"file {(block.cwd / dest).resolve().relative_to(REPO)}"
                      for dest in DESTINATION.findall(text)}
            if WRITES.search(NOT_WRITES.sub("", text)):
                found.add(f"folder {block.cwd.relative_to(REPO)}")
    return found


def pages() -> list[Path]:
    return sorted([*(REPO / "docs").glob("*/*.md"), *(REPO / "examples").glob("*/README*.md")])


def shared_with_others(name: str) -> dict[str, list[str]]:
    """What the pages of APART group `name` make or use that a page outside it names too."""
    inside = [path for path in pages() if unit_of(str(path.relative_to(REPO))) == f"pages:{name}"]
    return shared(inside, [path for path in pages() if path not in inside])


def shared(inside: list[Path], outside: list[Path]) -> dict[str, list[str]]:
    """Each resource of the `inside` pages that an `outside` page names, with those pages."""
    ours = set().union(*(resources(path) for path in inside))
    found: dict[str, list[str]] = {}
    for path in outside:
        for resource in sorted(ours & resources(path)):
            found.setdefault(resource, []).append(str(path.relative_to(REPO)))
    return found
