"""The lint page's Dockerfiles (examples/lint/): the original article's Dockerfiles are exactly the
fragments its pages quote, in both languages; every file there is one the lint page uses; and the
checks of examples (hadolint, build checks, stage descriptions, base images, the version table)
leave out exactly these files, which are warned about on purpose (harness.dockerfiles)."""

from __future__ import annotations

import re

import pytest

from harness.dockerfiles import LINT, REPO, example_dockerfiles, lint_dockerfiles

ORIGINAL = LINT / "original"
# Each copy of the original article's Dockerfiles and the page that quotes it first.
QUOTED = {"basics": "basics", "node": "node", "python": "python", "dev-prod": "dev-prod",
          "shared-stages": "shared-stages"}
FRAGMENT = re.compile(r"<!-- fragment:[^>]*-->\n```dockerfile\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", sorted(QUOTED))
def test_each_original_dockerfile_is_the_fragment_its_page_quotes(name, lang):
    page = REPO / "docs" / lang / f"{QUOTED[name]}.md"
    first = FRAGMENT.search(page.read_text())
    assert first, f"{page.relative_to(REPO)}: no fragment"
    copy = ORIGINAL / f"Dockerfile.{name}"
    assert copy.read_text() == first.group(1), \
        f"{copy.relative_to(REPO)} differs from the first fragment of {page.relative_to(REPO)}"


def test_the_original_dockerfiles_are_all_listed():
    assert sorted(p.name for p in ORIGINAL.glob("Dockerfile*")) == sorted(f"Dockerfile.{n}" for n in QUOTED)


def test_the_lint_page_uses_every_file_of_the_folder():
    for lang in ("ko", "en"):
        page = (REPO / "docs" / lang / "lint.md").read_text()
        unused = [str(p.relative_to(LINT)) for p in lint_dockerfiles()
                  if p.parent == LINT and p.name not in page]
        assert not unused, f"docs/{lang}/lint.md does not use {unused}"


def test_the_checks_of_examples_leave_out_exactly_the_lint_dockerfiles():
    every = {p for p in LINT.rglob("*") if p.is_file() and p.name.startswith("Dockerfile")
             and p.suffix != ".dockerignore"}
    assert set(lint_dockerfiles()) == every and len(every) > len(QUOTED)
    assert not set(example_dockerfiles()) & every
