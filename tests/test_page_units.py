"""The pages that run on a worker of their own (harness/pageunits.py) share nothing with the
other pages: no image they tag or run, no container name, host port or file they write."""

from __future__ import annotations

import pytest

from harness import pageunits
from harness.dockerfiles import REPO
from harness.plugin import worker_unit

FIXTURES = REPO / "tests" / "fixtures" / "pageunits"


@pytest.mark.parametrize("name", pageunits.APART)
def test_a_group_that_runs_apart_shares_nothing_with_the_other_pages(name):
    assert pageunits.shared_with_others(name) == {}


@pytest.mark.parametrize("name", pageunits.APART)
def test_a_group_has_its_pages_in_both_languages(name):
    """A page and its translation share their recorded runs: they stay in one unit."""
    pages = [path.relative_to(REPO / "docs") for path in REPO.glob("docs/*/*.md")
             if pageunits.unit_of(str(path.relative_to(REPO))) == f"pages:{name}"]
    stems = {lang: sorted(page.name for page in pages if page.parts[0] == lang) for lang in ("ko", "en")}
    assert stems["ko"] == stems["en"] != []


@pytest.mark.parametrize("name", pageunits.APART)
def test_every_path_a_group_names_exists(name):
    """A misspelt path would leave its page with the others, and the group's check blind to it."""
    missing = [prefix for prefix in pageunits.APART[name] if not (REPO / prefix).exists()]
    assert missing == []


def test_what_a_page_makes_is_read_off_its_commands():
    found = pageunits.resources(FIXTURES / "builds.md")
    assert found == {"image basic:fixture-unit", "container fixture-unit", "port 18080",
                     "file examples/basic/out", "file /tmp/fixture-unit.txt", "folder examples/basic"}


def test_a_page_that_uses_what_another_makes_is_found():
    """The check can fail: the second page runs the first one's image, stops its container,
    asks its port and reads its file. A user (10001:10001), a base image and /dev/null are
    nobody's."""
    uses = str((FIXTURES / "uses.md").relative_to(REPO))
    assert pageunits.shared([FIXTURES / "builds.md"], [FIXTURES / "uses.md"]) == {
        "container fixture-unit": [uses], "file /tmp/fixture-unit.txt": [uses],
        "image basic:fixture-unit": [uses], "port 18080": [uses]}


@pytest.mark.parametrize(("nodeid", "unit"), [
    ("docs/en/troubleshooting.md::sybil:pages,line:40,column:1", "pages:troubleshooting"),
    ("examples/troubleshooting/README.md::sybil:pages,line:9,column:1", "pages:troubleshooting"),
    ("docs/ko/copy-flags.md::sybil:pages,line:12,column:1", "pages:copy-flags"),
    ("docs/en/cache.md::sybil:pages,line:139,column:1", "pages"),
    ("examples/python-api/README.en.md::sybil:pages,line:30,column:1", "pages"),
    ("docs/ko/debugging.md::sybil:pages,line:40,column:1", "pages:go-static"),
    ("tests/test_debugging.py::test_x", "pages:go-static"),
    ("tests/test_troubleshooting.py::test_x", "tests/test_troubleshooting.py"),
])
def test_each_test_goes_to_its_unit(nodeid, unit):
    assert worker_unit(nodeid) == unit
