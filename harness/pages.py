"""Sybil over the Markdown pages: commands run, listings come from files, claims are checked.

One Sybil object (`SYBIL`), three parsers, evaluators that are plain functions:

- ```console blocks: each `$ ` command runs with bash in page order, in the folder named by a
  preceding `<!-- run: cwd=DIR timeout=SECONDS engine=containerd -->` (default: the repository
  root; `engine=containerd` runs the block on the engine with the containerd image store,
  harness.stores). Output
  written under a command is compared with what it printed, `...` matching anything.
  `<!-- skip: REASON -->` before a block reports it skipped with that reason.
- ```dockerfile blocks: either only `--8<-- "examples/...:section"` include lines (the file and
  section must exist), or marked `<!-- fragment: REASON -->`, which is an illustration that
  hadolint must still parse. Anything else is a pasted listing, and fails.
- `<!-- claim: ... -->` comments: see harness.claims.

Containers a page starts are removed when the page ends, on failure too.

The Korean page and its English translation usually do the same thing on the engine: the same
commands in the same folders, the same claims, in the same order. When two pages' sequences are
equal, the first to run records what each command printed and each claim found, and the other
compares its own expected output with that record instead of doing everything again
(`SharedRuns`): every command still runs once, and both pages are checked against that run.
"""

from __future__ import annotations

import contextlib
import doctest
import functools
import hashlib
import os
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

from harness import claims, images, stores, transient
from harness.dockerfiles import REPO, TEMP_PREFIX, example_dockerfiles, external_images
from harness.session import containers

DIRECTIVE = re.compile(r"<!--\s*(run|skip|fragment)\b:?\s*(.*?)\s*-->", re.DOTALL)
FENCED_CONSOLE = re.compile(r"^```(console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
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
    engine: str = "classic"
    shared: tuple[str, int] | None = None  # (the page's sequence, this block's place in it)


@dataclass
class Outcome:
    """What one command did: its exit status and output, or None for a timeout."""
    returncode: int | None
    stdout: str = ""
    stderr: str = ""


class SharedRuns:
    """Outcomes of commands and claims, keyed by the page's sequence and their place in it.

    A page's sequence is everything it does on the engine, in order: each console block's
    folder, engine and commands (or only that it is skipped: its reason is in the page's
    language), and each claim. Expected output is left out, so a translation that shows
    other lines of the same output still shares the run."""

    def __init__(self) -> None:
        self.outcomes: dict[tuple[str, int], object] = {}
        self.replayed = 0

    @staticmethod
    @functools.cache
    def sequence(text: str, path: str) -> tuple[str, dict[int, int]]:
        """The page's sequence as a digest, and each region's place in it by its offset."""
        document = Document(text, path)
        regions = sorted([*FencedCodeBlockLexer("console")(document),
                          *DirectiveInHTMLCommentLexer("claim")(document)], key=lambda lexed: lexed.start)
        steps = []
        for lexed in regions:
            if "arguments" in lexed.lexemes:
                steps.append(f"claim {str(lexed.lexemes['arguments']).strip()}")
                continue
            directive = directive_before(document, lexed.start)
            if directive and directive[0] == "skip":
                steps.append("skip")
                continue
            source = str(lexed.lexemes["source"])
            try:
                commands = "\n".join(command.text for command in parse_console(source, 0))
            except PageError:
                commands = source  # reported when the block runs
            steps.append(f"run {directive[1] if directive else ''}\n{commands}")
        digest = hashlib.sha256("\0".join(steps).encode()).hexdigest()
        return digest, {lexed.start: place for place, lexed in enumerate(regions)}

    @classmethod
    def key(cls, document: Document, start: int) -> tuple[str, int]:
        digest, places = cls.sequence(document.text, document.path)
        return digest, places[start]

    def recall(self, key: tuple[str, int] | None):
        found = self.outcomes.get(key) if key else None
        self.replayed += found is not None
        return found

    def record(self, key: tuple[str, int] | None, outcome) -> None:
        if key:
            self.outcomes[key] = outcome


def directive_before(document: Document, start: int) -> tuple[str, str] | None:
    """The `<!-- run|skip|fragment: ... -->` comment directly above a block, if any."""
    before = document.text[:start].rstrip()
    if not before.endswith("-->"):
        return None
    match = DIRECTIVE.fullmatch(before[before.rfind("<!--"):])
    return (match.group(1), match.group(2)) if match else None


def line_of(document: Document, offset: int) -> int:
    return document.text.count("\n", 0, offset) + 1


def parse_console(source: str, first_line: int, where: str = "") -> list[Command]:
    commands: list[Command] = []
    lines = source.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            if commands:
                commands[-1].expected += line + "\n"
            elif line.strip():
                raise PageError(
                    f"{where}: a console block must start with a `$ ` command, and line "
                    f"{first_line + index} is not one: put `$ ` before the command, or show output "
                    f"that is not run in a ```text block")
            index += 1
            continue
        text, start = line[2:], index
        while text.endswith("\\") and index + 1 < len(lines):
            index += 1
            text = text[:-1] + "\n" + lines[index]
        commands.append(Command(first_line + start, text, ""))
        index += 1
    return commands


RUN_HELP = ("write <!-- run: cwd=DIR timeout=SECONDS engine=containerd --> (each optional; DIR "
            "relative to the repository, SECONDS a whole number, engine classic or containerd)")


class PageError(AssertionError):
    """Bad input on a page: what is wrong, where, and what to write instead."""


def run_options(text: str, where: str) -> tuple[Path, int, str]:
    """The folder, timeout and engine of a `<!-- run: ... -->` directive, or a PageError saying
    why not."""
    cwd, timeout, engine = REPO, DEFAULT_TIMEOUT, "classic"
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise PageError(f"{where}: cannot read the run directive ({error}); {RUN_HELP}") from None
    for word in words:
        key, equals, value = word.partition("=")
        if not equals:
            raise PageError(f"{where}: `{word}` in the run directive has no `=`; {RUN_HELP}")
        if key == "cwd":
            cwd = (REPO / value).resolve()
            if not cwd.is_relative_to(REPO):
                raise PageError(f"{where}: cwd={value} is outside the repository; {RUN_HELP}")
            if not cwd.is_dir():
                raise PageError(f"{where}: cwd={value} is not a folder of the repository; {RUN_HELP}")
        elif key == "timeout":
            if not value.isdigit() or int(value) == 0:
                raise PageError(f"{where}: timeout={value} is not a number of seconds; {RUN_HELP}")
            timeout = int(value)
        elif key == "engine":
            if value not in stores.ENGINES:
                raise PageError(f"{where}: engine={value} is not an engine of the suite; {RUN_HELP}")
            engine = value
        else:
            raise PageError(f"{where}: unknown run option `{key}`; {RUN_HELP}")
    return cwd, timeout, engine


def parse_console_blocks(document: Document):
    for lexed in FencedCodeBlockLexer("console")(document):
        source = lexed.lexemes["source"]
        directive = directive_before(document, lexed.start)
        first_line = line_of(document, lexed.start) + 1
        where = page_line(document.path, first_line - 1)
        cwd, timeout, skip, engine = REPO, DEFAULT_TIMEOUT, None, "classic"
        try:
            if error := unclosed_here(document, lexed.start):
                raise error
            if directive and directive[0] == "skip":
                skip = directive[1] or "no reason given"
            elif directive and directive[0] == "run":
                cwd, timeout, engine = run_options(directive[1], page_line(document.path, first_line - 2))
            commands = parse_console(source, first_line, where)
        except PageError as error:
            yield Region(lexed.start, lexed.end, error, raise_page_error)
            continue
        block = ConsoleBlock(commands, cwd, timeout, skip, engine, SharedRuns.key(document, lexed.start))
        yield Region(lexed.start, lexed.end, block, evaluate_console)


def reported(evaluator):
    """Sybil shows a returned message as the failure, without a traceback of the harness:
    the reader of a failing page needs page:line and what happened, not our stack."""
    @functools.wraps(evaluator)
    def evaluate(example) -> str | None:
        try:
            evaluator(example)
        except AssertionError as error:
            return str(error)
        return None
    return evaluate


@reported
def raise_page_error(example) -> None:
    raise example.parsed


def unclosed_fence(document: Document) -> tuple[int, PageError] | None:
    """A fence that is never closed runs to the end of the page and swallows what follows."""
    opened: tuple[str, int, int] | None = None  # (fence, offset, line)
    offset = 0
    for number, line in enumerate(document.text.splitlines(keepends=True), 1):
        match = FENCE.match(line)
        if match and opened is None:
            opened = (match.group(1), offset, number)
        elif match and opened and line.strip() == match.group(1) \
                and match.group(1)[0] == opened[0][0] and len(match.group(1)) >= len(opened[0]):
            opened = None
        offset += len(line)
    if opened is None:
        return None
    fence, start, number = opened
    return start, PageError(f"{page_line(document.path, number)}: the code block opened here with {fence} is "
                            f"never closed; end it with a line of {fence}")


def parse_unclosed_fences(document: Document):
    """Report an unclosed fence on its first line, unless a block parser already claims it."""
    found = unclosed_fence(document)
    if found is None:
        return
    start, error = found
    first_line = document.text[start:].split("\n", 1)[0]
    if any(first_line.rstrip().endswith(lang) for lang in ("console", "dockerfile")):
        return  # its block parser turns it into this error
    yield Region(start, start + len(first_line), error, raise_page_error)


def unclosed_here(document: Document, start: int) -> PageError | None:
    found = unclosed_fence(document)
    return found[1] if found and found[0] == start else None


@reported
def evaluate_console(example) -> None:
    block: ConsoleBlock = example.parsed
    if block.skip:
        pytest.skip(f"{page_line(example.path, example.line)}: {block.skip}")
    if not block.commands:
        raise PageError(f"{page_line(example.path, example.line)}: a console block with no `$ ` command; "
                        f"start each command with `$ `, or use a ```text block for text that is not run")
    # The other language's page ran this same sequence: compare with what it recorded. A block
    # that stopped at a failing command recorded that command last, so it fails here too.
    shared: SharedRuns = example.namespace.get("shared") or SharedRuns()
    recorded = shared.recall(block.shared)
    if recorded is not None:
        first_page, outcomes = recorded
        for command, outcome in zip(block.commands, outcomes, strict=False):  # ends at a failure
            check_outcome(command, outcome, block,
                          f"{page_line(example.path, command.line)} (run by {first_page})")
        return
    outcomes = []
    try:
        for command in block.commands:
            outcomes.append(run_command(command, block, example.namespace))
            check_outcome(command, outcomes[-1], block, page_line(example.path, command.line))
    except AssertionError:
        shared.record(block.shared, (page_line(example.path, example.line), outcomes))
        raise
    shared.record(block.shared, (page_line(example.path, example.line), outcomes))


def run_command(command: Command, block: ConsoleBlock, namespace: dict) -> Outcome:
    watch = may_start_containers(command.text)
    before = containers() if watch else set()
    argv, env = ["bash", "-o", "pipefail", "-ec", command.text], stores.environment(block.engine)
    lock = contextlib.nullcontext()
    if may_build(command.text):  # under the build lock, as every build of the harness
        lock, env = images.build_lock(), lock_held(env)
    try:
        # The block's timeout starts once the lock is held: on a new machine a test's first
        # arm64 build under QEMU holds it for a quarter of an hour, and the wait is not the command's.
        with lock:
            result = transient.run_command(argv, command=command.text, expected=command.expected,
                                           cwd=block.cwd, env=env, capture_output=True, text=True,
                                           timeout=block.timeout)
    except subprocess.TimeoutExpired:
        return Outcome(None)
    finally:  # on Ctrl-C too: the page's teardown removes what the command started
        if watch:
            namespace.setdefault("page_containers", []).extend(started_by(command.text, before))
    return Outcome(result.returncode, result.stdout, result.stderr)


# A command that builds, or may: `docker build`, `docker buildx build|bake`, `compose ... --build`,
# and the repository's scripts and nox sessions (`nox -s exercise` builds). Other commands (run,
# inspect, curl) need no lock, and test workers' builds need not wait for them.
MAY_BUILD = re.compile(r"\b(?:build|bake|nox)\b|\bscripts/")


def may_build(text: str) -> bool:
    return MAY_BUILD.search(text) is not None


# A command that starts a container, or may: `docker run|create|start|restart`, compose, and the
# repository's scripts, nox sessions and shell scripts. Only around these does a page list the
# engine's containers (13 ms of CPU a time), to remove what they started when the page ends.
MAY_START = re.compile(r"\b(?:run|create|start|restart|compose)\b|\bnox\b|scripts/|\.sh\b")


def may_start_containers(text: str) -> bool:
    return MAY_START.search(text) is not None


def lock_held(env: dict[str, str] | None) -> dict[str, str]:
    """The command's environment, saying that it runs under the build lock (images.LOCK_HELD)."""
    return {**(env or os.environ), images.LOCK_HELD: str(images.LOCK)}


def check_outcome(command: Command, outcome: Outcome, block: ConsoleBlock, where: str) -> None:
    if outcome.returncode is None:
        raise AssertionError(f"{where}: `{command.text}` did not finish in {block.timeout} s")
    output = outcome.stdout + outcome.stderr
    if outcome.returncode != 0:
        raise AssertionError(
            f"{where}: `{command.text}` exited {outcome.returncode}\n{tail(output)}")
    expected = command.expected.strip("\n")
    if expected and not CHECKER.check_output(expected + "\n", outcome.stdout, FLAGS):
        raise AssertionError(
            f"{where}: the output of `{command.text}` differs from the page\n"
            f"expected:\n{expected}\ngot:\n{tail(outcome.stdout)}")


def parse_dockerfile_blocks(document: Document):
    for lexed in FencedCodeBlockLexer("dockerfile")(document):
        source = str(lexed.lexemes["source"])
        directive = directive_before(document, lexed.start)
        line = line_of(document, lexed.start)
        if error := unclosed_here(document, lexed.start):
            yield Region(lexed.start, lexed.end, error, raise_page_error)
            continue
        yield Region(lexed.start, lexed.end, (source, directive, line), evaluate_dockerfile)


@reported
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
    with tempfile.NamedTemporaryFile("w", prefix=TEMP_PREFIX, suffix=".Dockerfile") as handle:
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
        built = tags_built(document.text[:lexed.start])
        parsed = (claim, line_of(document, lexed.start), built, SharedRuns.key(document, lexed.start))
        yield Region(lexed.start, lexed.end, parsed, evaluate_claim)


def tags_built(text: str) -> set[str]:
    """Images that console commands in `text` build: `docker build ... -t NAME`."""
    commands = "\n".join(source for _, source in FENCED_CONSOLE.findall(text))
    return set(re.findall(r"(?:^|\s)(?:-t|--tag)[ =](\S+)", commands))


@reported
def evaluate_claim(example) -> None:
    claim, line, built, shared = example.parsed
    where = page_line(example.path, line)
    # (kind, text): what the claim's check found, recorded for a page with the same sequence.
    runs: SharedRuns = example.namespace.get("shared") or SharedRuns()
    found = runs.recall(shared)
    if found is None:
        found = check_claim(claim, built)
        runs.record(shared, found)
    kind, text = found
    if kind == "error":
        raise PageError(f"{where}: claim `{claim}`: {text}")
    if kind == "false":
        raise AssertionError(f"{where}: claim `{claim}` is false: {text}")


def check_claim(claim: str, built: set[str]) -> tuple[str, str | None]:
    try:
        unbuilt = [image for image in claims.images_named(claim)
                   if image not in built and image not in base_images()]
        if unbuilt:
            raise claims.ClaimError(
                f"it names {', '.join(unbuilt)}, which no command above it on this page builds; "
                f"build it in a console block before the claim (`$ docker build -t {unbuilt[0]} ...`)")
        measured = claims.check(claim)
    except claims.ClaimError as error:
        return "error", str(error)
    return ("true", None) if measured is None else ("false", measured)


@functools.cache
def base_images() -> frozenset[str]:
    """Images the examples start FROM: claims may name them without building them."""
    return frozenset(image for dockerfile in example_dockerfiles() for image in external_images(dockerfile))


def page_line(path: str, line: int) -> str:
    try:
        return f"{Path(path).resolve().relative_to(REPO)}:{line}"
    except ValueError:
        return f"{path}:{line}"


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def started_by(command: str, before: set[str]) -> list[str]:
    """The containers that appeared while `command` ran and run an image it names: those the
    command started, not those another process on the same engine started meanwhile (a test
    on another worker, whose containers carry images.STARTED_BY)."""
    new = containers() - before
    if not new:
        return []
    label = f'{{{{if index .Config.Labels "{images.STARTED_BY}"}}}}harness{{{{end}}}}'
    result = subprocess.run(["docker", "inspect", "-f", "{{.Id}} {{.Config.Image}} " + label, *new],
                            capture_output=True, text=True)
    found = [line.split() for line in result.stdout.splitlines()]
    return [words[0] for words in found if len(words) == 2 and words[1] in command]


def teardown(namespace: dict) -> None:
    """Remove the containers this page's commands started (left running, or stopped but not
    removed), when the page ends, fails or is interrupted."""
    started = namespace.pop("page_containers", [])
    if started:
        subprocess.run(["docker", "rm", "-f", *started], capture_output=True)


def make_sybil(path: str, pattern: str = "**/*.md", shared: SharedRuns | None = None) -> Sybil:
    """Pages under `path`; those with the same sequence share their runs through `shared`."""
    return Sybil(
        parsers=[parse_console_blocks, parse_dockerfile_blocks, parse_claims, parse_unclosed_fences],
        path=path, pattern=pattern, setup=lambda namespace: namespace.update(shared=shared),
        teardown=teardown, name="pages")


SHARED = SharedRuns()
SYBIL = make_sybil(str(REPO / "docs"), shared=SHARED)
# The examples' READMEs are copy-paste material too: their commands run like a page's.
READMES = make_sybil(str(REPO / "examples"), "*/README*.md", shared=SHARED)
