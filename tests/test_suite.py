"""How the suite splits its work (harness/suite.py, harness/plugin.py): a page, its translation
and the examples' READMEs on one worker; a test module on one worker whole; the tests marked
`alone` in a part of their own; and the parts' exit statuses added up."""

from __future__ import annotations

import collections
import subprocess
import sys
from types import SimpleNamespace

import pytest

from harness import plugin, session, suite
from harness.dockerfiles import REPO
from harness.plugin import worker_unit


@pytest.mark.parametrize(("nodeid", "unit"), [
    ("docs/ko/cache.md::sybil:pages,line:121,column:1", "pages"),
    ("docs/en/cache.md::sybil:pages,line:139,column:1", "pages"),
    ("examples/python-api/README.en.md::sybil:pages,line:20,column:1", "pages"),
    ("tests/test_debugging.py::test_copying_the_whole_tree_fixes_it", "pages:go-static"),
    ("tests/test_python_api.py::test_stages_and_their_order", "tests/test_python_api.py"),
    ("tests/test_python_api.py::test_runner_meets_the_runtime_contract[runner-tls]",
     "tests/test_python_api.py"),
])
def test_pages_share_one_unit_and_a_module_is_a_unit(nodeid, unit):
    assert worker_unit(nodeid) == unit


MODULE = """import os, pathlib

def test_{n}():
    pathlib.Path("{where}").joinpath(f"{{__name__}}-{n}").write_text(os.environ["PYTEST_XDIST_WORKER"])
"""


def test_the_workers_keep_each_module_whole(tmp_path):
    """A real run on two workers: every test of a module ran on the same worker, and both workers
    had work. xdist 3.8's own `--dist loadgroup` failed this with pytest 9.2: it split modules."""
    where = tmp_path / "ran"
    where.mkdir()
    for name in ("test_first", "test_second"):
        (tmp_path / f"{name}.py").write_text("\n".join(MODULE.format(n=n, where=where) for n in range(6)))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "harness.plugin",
         "--rootdir", str(tmp_path), *suite.commands([str(tmp_path)])[0]],
        cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    workers: dict[str, set[str]] = {}
    for file in where.iterdir():
        workers.setdefault(file.name.split("-")[0], set()).add(file.read_text())
    assert sorted(workers) == ["test_first", "test_second"], workers
    assert all(len(used) == 1 for used in workers.values()), f"a module was split: {workers}"
    assert workers["test_first"] != workers["test_second"], "one worker did everything"


def test_the_parts_select_the_alone_tests_or_the_others(tmp_path):
    (tmp_path / "test_marked.py").write_text(
        "import pytest\n\n\n@pytest.mark.alone\ndef test_alone():\n    pass\n\n\n"
        "def test_other():\n    pass\n")
    ran = {}
    for part in suite.PARTS:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "-p", "harness.plugin",
             "--rootdir", str(tmp_path), f"--suite-part={part}", str(tmp_path)],
            cwd=REPO, capture_output=True, text=True)
        ran[part] = sorted(line.split("::")[1].split()[0] for line in result.stdout.splitlines()
                           if " PASSED" in line)
    assert ran == {"parallel": ["test_other"], "alone": ["test_alone"]}


@pytest.mark.parametrize(("codes", "status"), [
    ([0, 0], 0),
    ([0, 5], 0),   # the selection has no `alone` test
    ([5, 0], 0),   # only `alone` tests selected
    ([5, 5], 5),   # nothing selected at all
    ([1, 0], 1),
    ([0, 1], 1),
    ([3], 3),      # no engine: part two never starts
])
def test_a_part_that_selects_nothing_is_no_failure_but_a_failing_part_is(codes, status):
    assert suite.status(codes) == status


def test_a_nearly_full_disk_stops_the_run_and_says_what_to_do(tmp_path, monkeypatch):
    """harness.session.require_engine's second check: a run that would stop halfway with "No
    space left on device" stops before it starts."""
    nearly_full = SimpleNamespace(total=100 * 10**9, used=99 * 10**9, free=10**9)
    monkeypatch.setattr(session.shutil, "disk_usage", lambda path: nearly_full)
    problem = session.disk_problem(tmp_path)
    assert problem.startswith(f"only 1.0 GB is free on the disk of {tmp_path}, where the engine keeps")
    assert "`scripts/nox -s clean`" in problem and "`docker builder prune --keep-storage 10GB`" in problem


def test_room_enough_or_an_engine_whose_disk_is_elsewhere_is_no_problem(tmp_path, monkeypatch):
    roomy = SimpleNamespace(total=100 * 10**9, used=10 * 10**9, free=90 * 10**9)
    monkeypatch.setattr(session.shutil, "disk_usage", lambda path: roomy)
    assert session.disk_problem(tmp_path) is None
    assert session.disk_problem(tmp_path / "inside-a-virtual-machine") is None


def test_a_test_run_again_counts_once_in_its_group_and_both_runs_take_time(monkeypatch):
    """pytest-rerunfailures reports a rerun as its own call (harness.browser); the time per
    group adds both runs' time and counts the test once."""
    monkeypatch.setattr(plugin, "_counted", collections.Counter())
    monkeypatch.setattr(plugin, "_seconds", collections.Counter())
    for outcome in ("rerun", "passed"):
        plugin.pytest_runtest_logreport(SimpleNamespace(nodeid="tests/test_search.py::test_x", when="call",
                                                        outcome=outcome, duration=1.5))
    assert (plugin._counted, plugin._seconds) == ({"browser": 1}, {"browser": 3.0})
