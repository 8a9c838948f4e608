"""Sybil over the Markdown pages: commands run, listings come from files, claims are checked.

One Sybil object (`SYBIL`), three parsers, evaluators that are plain functions:

- ```console blocks: each `$ ` command runs with bash in page order, in the folder named by a
  preceding `<!-- run: cwd=DIR timeout=SECONDS -->` (default: the repository root). Output
  written under a command is compared with what it printed, `...` matching anything.
  `<!-- skip: REASON -->` before a block reports it skipped with that reason.
- ```dockerfile blocks: either only `--8<-- "examples/...:section"` include lines (the file and
  section must exist), or marked `<!-- fragment: REASON -->`, which is an illustration that
  hadolint must still parse. Anything else is a pasted listing, and fails.
- `<!-- claim: ... -->` comments: see harness.claims.

Containers a page starts are removed when the page ends, on failure too.
"""

from __future__ import annotations

import doctest
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from sybil import Document, Region, Sybil
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, FencedCodeBlockLexer

from harness import claims, images
from harness.dockerfiles import REPO

DIRECTIVE = re.compile(r"<!--\s*(run|skip|fragment)\b:?\s*(.*?)\s*-->", re.DOTALL)
SNIPPET = re.compile(r'^-{1,}8<-{1,}\s+"([^"]+)"\s*$')
DEFAULT_TIMEOUT = 900
CHECKER = doctest.OutputChecker()
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@dataclass
class Command:
    line: int  # line in the page
    text: str
    expected: str


@dataclass
class ConsoleBlock:
    commands: list[Command]
    cwd: Path
    timeout: int
    skip: str | None


def directive_before(document: Document, start: int) -> tuple[str, str] | None:
    """The `<!-- run|skip|fragment: ... -->` comment directly above a block, if any."""
    before = document.text[:start].rstrip()
    if not before.endswith("-->"):
        return None
    match = DIRECTIVE.fullmatch(before[before.rfind("<!--"):])
    return (match.group(1), match.group(2)) if match else None


def line_of(document: Document, offset: int) -> int:
    return document.text.count("\n", 0, offset) + 1


def parse_console(source: str, first_line: int) -> list[Command]:
    commands: list[Command] = []
    lines = source.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            if commands:
                commands[-1].expected += line + "\n"
            index += 1
            continue
        text, start = line[2:], index
        while text.endswith("\\") and index + 1 < len(lines):
            index += 1
            text = text[:-1] + "\n" + lines[index]
        commands.append(Command(first_line + start, text, ""))
        index += 1
    return commands


def parse_console_blocks(document: Document):
    for lexed in FencedCodeBlockLexer("console")(document):
        source = lexed.lexemes["source"]
        directive = directive_before(document, lexed.start)
        cwd, timeout, skip = REPO, DEFAULT_TIMEOUT, None
        if directive and directive[0] == "skip":
            skip = directive[1] or "no reason given"
        elif directive and directive[0] == "run":
            options = dict(word.split("=", 1) for word in shlex.split(directive[1]))
            cwd = REPO / options.get("cwd", ".")
            timeout = int(options.get("timeout", DEFAULT_TIMEOUT))
        first_line = line_of(document, lexed.start) + 1
        block = ConsoleBlock(parse_console(source, first_line), cwd, timeout, skip)
        yield Region(lexed.start, lexed.end, block, evaluate_console)


def evaluate_console(example) -> None:
    block: ConsoleBlock = example.parsed
    if block.skip:
        pytest.skip(f"{page_line(example.path, example.line)}: {block.skip}")
    if not block.commands:
        raise AssertionError(f"{page_line(example.path, example.line)}: a console block with no `$ ` command")
    for command in block.commands:
        where = page_line(example.path, command.line)
        try:
            result = subprocess.run(
                ["flock", str(images.LOCK), "bash", "-o", "pipefail", "-ec", command.text],
                cwd=block.cwd, capture_output=True, text=True, timeout=block.timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{where}: `{command.text}` did not finish in {block.timeout} s") from None
        output = result.stdout + result.stderr
        if result.returncode != 0:
            raise AssertionError(
                f"{where}: `{command.text}` exited {result.returncode}\n{tail(output)}")
        expected = command.expected.strip("\n")
        if expected and not CHECKER.check_output(expected + "\n", result.stdout, FLAGS):
            raise AssertionError(
                f"{where}: the output of `{command.text}` differs from the page\n"
                f"expected:\n{expected}\ngot:\n{tail(result.stdout)}")


def parse_dockerfile_blocks(document: Document):
    for lexed in FencedCodeBlockLexer("dockerfile")(document):
        source = str(lexed.lexemes["source"])
        directive = directive_before(document, lexed.start)
        line = line_of(document, lexed.start)
        yield Region(lexed.start, lexed.end, (source, directive, line), evaluate_dockerfile)


def evaluate_dockerfile(example) -> None:
    source, directive, line = example.parsed
    where = page_line(example.path, line)
    lines = [text for text in source.splitlines() if text.strip()]
    includes = [SNIPPET.match(text) for text in lines]
    if lines and all(includes):
        for match in includes:
            check_snippet(match.group(1), where)
        return
    if directive and directive[0] == "fragment":
        lint_fragment(source, where)
        return
    raise AssertionError(
        f"{where}: a Dockerfile pasted into the page; include it from examples/ with "
        f'--8<-- "examples/NAME/Dockerfile" or mark it <!-- fragment: why -->')


def check_snippet(spec: str, where: str) -> None:
    path, _, section = spec.partition(":")
    file = REPO / path
    if not file.is_file():
        raise AssertionError(f"{where}: the included file {path} does not exist")
    if section and f"--8<-- [start:{section}]" not in file.read_text():
        raise AssertionError(f"{where}: {path} has no section {section!r}")


def lint_fragment(source: str, where: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".Dockerfile") as handle:
        handle.write(source)
        handle.flush()
        # A fragment only has to parse: every rule is ignored, syntax errors still fail.
        result = subprocess.run([hadolint(), "--no-fail", "--format", "json", handle.name],
                                capture_output=True, text=True)
    if '"DL1000"' in result.stdout or result.returncode not in (0,):
        raise AssertionError(f"{where}: the fragment does not parse as a Dockerfile:\n{result.stdout}")


def hadolint() -> str:
    """hadolint from PyPI sits beside the interpreter of the virtual environment."""
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else (shutil.which("hadolint") or "hadolint")


def parse_claims(document: Document):
    for lexed in DirectiveInHTMLCommentLexer("claim")(document):
        claim = str(lexed.lexemes["arguments"]).strip()
        yield Region(lexed.start, lexed.end, (claim, line_of(document, lexed.start)), evaluate_claim)


def evaluate_claim(example) -> None:
    claim, line = example.parsed
    measured = claims.check(claim)
    if measured is not None:
        raise AssertionError(f"{page_line(example.path, line)}: claim `{claim}` is false: {measured}")


def page_line(path: str, line: int) -> str:
    try:
        return f"{Path(path).resolve().relative_to(REPO)}:{line}"
    except ValueError:
        return f"{path}:{line}"


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def containers_now() -> set[str]:
    result = subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True, text=True)
    return set(result.stdout.split())


def setup(namespace: dict) -> None:
    namespace["containers_before"] = containers_now()


def teardown(namespace: dict) -> None:
    """Remove the containers this page started. Test modules' containers run `guide/...`
    images and remove themselves; leaving those alone keeps a concurrent test run intact."""
    started = containers_now() - namespace.get("containers_before", set())
    if not started:
        return
    result = subprocess.run(["docker", "inspect", "-f", "{{.Id}} {{.Config.Image}}", *started],
                            capture_output=True, text=True)
    page_made = [line.split()[0] for line in result.stdout.splitlines()
                 if len(line.split()) == 2 and not line.split()[1].startswith("guide/")]
    if page_made:
        subprocess.run(["docker", "rm", "-f", *page_made], capture_output=True)


def make_sybil(path: str, pattern: str = "**/*.md") -> Sybil:
    return Sybil(
        parsers=[parse_console_blocks, parse_dockerfile_blocks, parse_claims],
        path=path, pattern=pattern, setup=setup, teardown=teardown, name="pages")


SYBIL = make_sybil(str(REPO / "docs"))
