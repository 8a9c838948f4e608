"""The repository as readers and contributors see it: no typed numbers in what they read, no
path of somebody's machine, no notes about how a team works (see harness/prose.py).

Each check is proved able to fail first, on fixtures written in this module."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness import prose
from harness.dockerfiles import REPO

# What a reader reads: the pages of both languages, the examples' READMEs, the front pages.
READ = sorted([*REPO.glob("docs/*/*.md"), *REPO.glob("examples/*/README*.md"),
               *REPO.glob("exercises/*/README*.md"),
               *(REPO / name for name in ("README.md", "CONTRIBUTING.md") if (REPO / name).exists())])
# The checker's own source names what it looks for.
CHECKERS = {"harness/prose.py", "tests/test_repository.py"}


def repository_files() -> list[Path]:
    """Files under version control and new ones not ignored: what a commit would publish."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    return sorted(REPO / name for name in set(listed.split("\0")) if name and (REPO / name).is_file())


def text_of(path: Path) -> str | None:
    data = path.read_bytes()
    if b"\0" in data[:8192] or len(data) > 1_000_000:  # binaries, vendored bundles
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def name(path: Path) -> str:
    return str(path.relative_to(REPO))


# --- typed numbers ------------------------------------------------------------------------


@pytest.mark.parametrize("sentence, caught", [
    ("런타임 이미지는 145 MB이고 기준선보다 7.4배 작습니다.", ["145 MB", "7.4배"]),
    ("the runtime is 145 MB, 7.4× smaller", ["145 MB", "7.4×"]),
    ("빌드는 6~11초, 캐시가 없으면 2분 걸립니다.", ["11초", "2분"]),
    ("a rebuild takes about 2 s, 6-11 seconds cold, 90% coverage", ["2 s", "11 seconds", "90%"]),
    ("An image of 1.2 GB or 500MB+.", ["1.2 GB", "500MB"]),
    ("기준선보다 {{ ratio a:single a:runner }}배 작습니다.", ["}}배"]),
    ("smaller by {{ ratio a:single a:runner }}×.", ["}}×"]),
])
def test_a_typed_number_is_caught(sentence, caught):
    found = " ".join(reason for _, _, reason in prose.typed_numbers(sentence))
    for text in caught:
        assert repr(text) in found or text.replace("}}", "") in found, (text, found)


def test_the_finding_names_the_line_and_the_text():
    page = "# 제목\n\n첫 줄입니다.\n런타임 이미지는 145 MB이고 기준선보다 7.4배 작습니다.\n"
    found = prose.typed_numbers(page)
    assert [line for line, _, _ in found] == [4, 4]
    assert "145 MB" in found[0][1] + found[1][1]
    message = prose.report({"docs/ko/page.md": found})
    assert message.startswith("docs/ko/page.md:4: a typed number") and "145 MB" in message


def test_what_is_not_prose_is_left_alone():
    page = "\n".join([
        "크기는 {{ size python-api:runner }}이고 {{ ratio python-api:single python-api:runner }} 작습니다.",
        "<!-- claim: size python-api:runner < 160MB -->",
        "<!--",
        "  a comment over lines: 145 MB, 7.4×",
        "-->",
        "`--graceful-timeout 5` and `DB_CONNECT_TIMEOUT=2` and ``a 10 s `literal` ``",
        "> | 이미지 크기 | 500MB+ | 100-200MB |",
        "```console",
        "$ sleep 2s && echo 100%",
        "```",
        "    ```text",
        "    7.4× inside an admonition's code",
        "    ```",
        "Python 3.13, node:24, uid 10001, HTTP 404, 2 stages, 3 seconds' ... no: see below.",
        "[a link](https://example.org/10s) and <https://example.org/5MB>",
    ])
    found = prose.typed_numbers(page)
    assert [hit[2] for hit in found] == ["a typed number; use a {{ }} token or drop it: '3 seconds'"]


@pytest.mark.parametrize("path", READ, ids=name)
def test_no_typed_numbers_where_readers_look(path):
    found = prose.typed_numbers(path.read_text())
    assert not found, "\n" + prose.report({name(path): found})


# --- paths of a machine -------------------------------------------------------------------

HOME = "/" + "home/alice"  # built from parts: this file is checked too
CHECKOUT = "/" + "work/main"


@pytest.mark.parametrize("filename, text, line", [
    ("CONTRIBUTING.md", f"Repository: {CHECKOUT}. Run `cd {CHECKOUT} && pytest`.", 1),
    ("README.md", f"Copy it to {'/' + 'tmp'}/guide first.", 1),
    ("notes.md", f"line one\nsee {'/' + 'root'}/notes.txt on the server", 2),
    ("harness/x.py", f'CACHE = "{HOME}/.cache/guide"', 1),
    ("examples/x/README.md", f"```console\n$ ls {HOME}/src\n```", 2),
])
def test_a_machine_path_is_caught(filename, text, line):
    found = prose.machine_paths(Path(filename), text)
    assert found and found[0][0] == line, found


@pytest.mark.parametrize("filename, text", [
    ("examples/x/Dockerfile", "RUN --mount=type=cache,target=/root/.npm npm ci\nCOPY a /tmp/a\nWORKDIR /app"),
    ("docs/ko/cache.md", "캐시는 `target=/root/.cache/pip`에 있습니다.\n\n```console\n"
                         "$ cp -r examples/python-api /tmp/python-api-edit\n```"),
    ("harness/images.py", 'LOCK = Path("/tmp/multistage-guide-build.lock")'),
    ("docs/en/x.md", "The app lives in `/app`; `/usr/local/bin/pip` is on PATH; see [it](../x/tmp/y.md)."),
])
def test_container_paths_and_scratch_files_are_fine(filename, text):
    assert prose.machine_paths(Path(filename), text) == []


# Binary files (images) have no text to check, so they are not among the cases.
@pytest.mark.parametrize("path", [p for p in repository_files()
                                  if name(p) not in CHECKERS and text_of(p) is not None], ids=name)
def test_no_path_of_a_machine_in_the_repository(path):
    text = text_of(path)
    found = prose.machine_paths(path, text)
    assert not found, "\n" + prose.report({name(path): found})


# --- notes about the team -----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Do not run `git add`/`git commit`: the " + "lead engineer commits.",
    "Never run git commit here.",
])
def test_a_team_note_is_caught(text):
    assert prose.team_notes(text)


def test_no_notes_about_how_the_team_works():
    found = {}
    for path in repository_files():
        text = text_of(path)
        if text is not None and name(path) not in CHECKERS and prose.team_notes(text):
            found[name(path)] = prose.team_notes(text)
    assert not found, "\n" + prose.report(found)


# Korean terms are checked by tests/test_terms.py, from data/terms.toml.
