"""The troubleshooting page and examples/troubleshooting/: one folder per entry, a broken
`Dockerfile` and its `Dockerfile.fixed`, or a sound `Dockerfile` whose fix is a command.

The page itself runs every entry (docs/*/troubleshooting.md): the failing command with the exact
error as its expected output, then the fix. This module checks what the page cannot show about
itself: that every folder is an entry of both pages, that each entry's block runs a command
expected to fail, on the broken Dockerfile, and builds the fix; and that the checks of examples
(hadolint, build checks, base images, the version table) leave out exactly the broken Dockerfiles.
Each check is shown able to fail on a fixture first. No Docker needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from harness.dockerfiles import (
    EXAMPLES,
    REPO,
    TROUBLESHOOTING,
    broken_dockerfiles,
    example_dockerfiles,
    external_images,
    instructions,
    lint_dockerfiles,
)
from harness.pages import parse_console, run_options

PAGES = {lang: REPO / "docs" / lang / "troubleshooting.md" for lang in ("ko", "en")}
# The entries whose fix is a command, not a Dockerfile: their Dockerfile is sound, and linted.
COMMAND_FIXES = {"cache-export", "mount-requires-buildkit"}
BLOCK = re.compile(r"<!--\s*run:\s*(.*?)\s*-->\n```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
SECTION = re.compile(r"^## .*\{#([a-z0-9-]+)\}\s*$", re.MULTILINE)


@dataclass
class Run:
    entry: str  # the folder the block runs in, under examples/troubleshooting/
    text: str  # the command
    expected: str  # the output the page shows under it

    @property
    def expected_to_fail(self) -> bool:
        return self.text.startswith("{ !")

    @property
    def fixed(self) -> bool:
        return "-f Dockerfile.fixed" in self.text


def entries() -> list[str]:
    return sorted(folder.name for folder in TROUBLESHOOTING.iterdir() if folder.is_dir())


def runs(text: str) -> list[Run]:
    """The commands of a page's console blocks that run in a troubleshooting folder."""
    found = []
    for directive, source in BLOCK.findall(text):
        cwd, _, _ = run_options(directive, "troubleshooting.md")
        if cwd.parent != TROUBLESHOOTING:
            continue
        found += [Run(cwd.name, command.text, command.expected.strip())
                  for command in parse_console(source, 0)]
    return found


def problems(text: str, folders: list[str], broken: set[str]) -> list[str]:
    """What the page lacks for these folders: a section, a failing command with its error, the fix."""
    sections = set(SECTION.findall(text))
    found = runs(text)
    missing = []
    for folder in folders:
        mine = [run for run in found if run.entry == folder]
        if folder not in sections:
            missing.append(f"{folder}: no section {{#{folder}}}")
        failing = [run for run in mine if run.expected_to_fail and not run.fixed and "docker" in run.text]
        if not any(run.expected for run in failing):
            missing.append(f"{folder}: no command expected to fail, with the error under it")
        if folder in broken and not any(run.fixed for run in mine):
            missing.append(f"{folder}: the fix (-f Dockerfile.fixed) is not built")
        if folder not in broken and not any("docker build" in run.text and not run.expected_to_fail
                                            for run in mine):
            missing.append(f"{folder}: no command that builds the Dockerfile with the fix")
    return missing


# --- the folders --------------------------------------------------------------------------


def test_there_are_at_least_fifteen_entries():
    assert len(entries()) >= 15, entries()


@pytest.mark.parametrize("entry", entries())
def test_an_entry_has_a_broken_dockerfile_and_its_fix_or_a_command_fix(entry):
    folder = TROUBLESHOOTING / entry
    assert (folder / "Dockerfile").is_file(), entry
    assert (folder / "Dockerfile.fixed").is_file() == (entry not in COMMAND_FIXES), entry


@pytest.mark.parametrize("dockerfile", broken_dockerfiles(), ids=lambda p: p.parent.name)
def test_a_fix_differs_from_what_it_fixes(dockerfile):
    """In instructions, or (.dockerignore entries) in the ignore file that only the fix reads."""
    fixed = dockerfile.with_name("Dockerfile.fixed")
    steps = [(i.keyword, i.args) for i in instructions(dockerfile.read_text())]
    fixed_steps = [(i.keyword, i.args) for i in instructions(fixed.read_text())]
    assert steps != fixed_steps or fixed.with_name("Dockerfile.fixed.dockerignore").is_file(), dockerfile


# --- what the checks of examples leave out -------------------------------------------------


def test_the_checks_of_examples_leave_out_exactly_the_broken_dockerfiles():
    every = {p for p in EXAMPLES.rglob("Dockerfile*") if "node_modules" not in p.parts
             and p.suffix != ".dockerignore"} - set(lint_dockerfiles())  # the lint page's own
    left_out = every - set(example_dockerfiles())
    broken = {TROUBLESHOOTING / entry / "Dockerfile" for entry in entries() if entry not in COMMAND_FIXES}
    assert left_out == set(broken_dockerfiles()) == broken
    # Every fix, and the Dockerfiles whose fix is a command, are checked like any example.
    kept = {p for p in example_dockerfiles() if p.is_relative_to(TROUBLESHOOTING)}
    assert kept == {p for p in every if p.is_relative_to(TROUBLESHOOTING)} - broken


def test_the_broken_dockerfiles_need_no_base_image_the_examples_do_not():
    """harness.base_images makes what example_dockerfiles() name; the broken ones need no more."""
    needed = {image for dockerfile in example_dockerfiles() for image in external_images(dockerfile)}
    for dockerfile in broken_dockerfiles():
        named = re.findall(r"(?im)^FROM\s+(?:--\S+\s+)*(\S+)", dockerfile.read_text())
        images = {image for image in named if ":" in image and "$" not in image}
        assert images <= needed, (dockerfile, images - needed)


# --- the pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", PAGES)
def test_every_entry_fails_on_the_page_and_builds_its_fix(lang):
    broken = {p.parent.name for p in broken_dockerfiles()}
    missing = problems(PAGES[lang].read_text(), entries(), broken)
    assert not missing, f"docs/{lang}/troubleshooting.md:\n" + "\n".join(missing)


def test_a_page_without_the_failing_command_or_the_fix_is_caught():
    """The check above can fail: a section whose block only builds the fix, and one that shows
    the failure without building the fix."""
    page = ("## `x` {#copy-from-variable}\n\n"
            "<!-- run: cwd=examples/troubleshooting/copy-from-variable -->\n```console\n"
            "$ docker build -f Dockerfile.fixed -t t:fixed .\n```\n\n"
            "## `y` {#stage-path}\n\n"
            "<!-- run: cwd=examples/troubleshooting/stage-path -->\n```console\n"
            "$ { ! docker build . 2>&1; } | grep '^ERROR'\nERROR: not found\n```\n")
    missing = problems(page, ["copy-from-variable", "stage-path", "cache-export"],
                       {"copy-from-variable", "stage-path"})
    assert missing == [
        "copy-from-variable: no command expected to fail, with the error under it",
        "stage-path: the fix (-f Dockerfile.fixed) is not built",
        "cache-export: no section {#cache-export}",
        "cache-export: no command expected to fail, with the error under it",
        "cache-export: no command that builds the Dockerfile with the fix",
    ], missing


def test_a_failing_command_without_its_error_is_caught():
    page = ("## `x` {#copy-from-variable}\n\n"
            "<!-- run: cwd=examples/troubleshooting/copy-from-variable -->\n```console\n"
            "$ { ! docker build . 2>&1; } | grep '^ERROR'\n"
            "$ docker build -f Dockerfile.fixed -t t:fixed .\n```\n")
    assert problems(page, ["copy-from-variable"], {"copy-from-variable"}) == [
        "copy-from-variable: no command expected to fail, with the error under it"]


def test_the_exclusion_rule_follows_the_fixed_sibling(tmp_path, monkeypatch):
    """A Dockerfile is left out only where a Dockerfile.fixed sits beside it."""
    import harness.dockerfiles as dockerfiles
    examples = tmp_path / "examples"
    for path in ("basic/Dockerfile", "troubleshooting/a/Dockerfile", "troubleshooting/a/Dockerfile.fixed",
                 "troubleshooting/b/Dockerfile"):
        (examples / path).parent.mkdir(parents=True, exist_ok=True)
        (examples / path).write_text("FROM debian:trixie-slim\n")
    monkeypatch.setattr(dockerfiles, "EXAMPLES", examples)
    monkeypatch.setattr(dockerfiles, "TROUBLESHOOTING", examples / "troubleshooting")
    kept = [str(p.relative_to(examples)) for p in dockerfiles.example_dockerfiles()]
    assert kept == ["basic/Dockerfile", "troubleshooting/a/Dockerfile.fixed", "troubleshooting/b/Dockerfile"]


def test_a_from_line_takes_the_default_of_a_global_arg(tmp_path):
    """external_images expands a global ARG (the fixes of copy-from-variable and from-arg-blank)."""
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("ARG RUNTIME=debian:trixie-slim\nARG STAGE=one\nFROM node:24-slim AS one\n"
                          "FROM ${STAGE} AS chosen\nFROM $RUNTIME AS runner\nCOPY --from=chosen /a /a\n")
    assert external_images(dockerfile) == {"node:24-slim", "debian:trixie-slim"}
    dockerfile.write_text("FROM debian:trixie-slim AS build\nARG RUNTIME=debian:trixie-slim\n"
                          "FROM ${RUNTIME}\n")
    with pytest.raises(ValueError, match="cannot resolve"):
        external_images(dockerfile)


def test_both_pages_show_the_same_folders_in_the_same_order():
    orders = {lang: [run.entry for run in runs(path.read_text())] for lang, path in PAGES.items()}
    assert orders["ko"] == orders["en"]
    assert set(orders["en"]) == set(entries())
