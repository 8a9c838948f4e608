"""The harness as a pytest plugin (conftest.py only names it): collect the pages, require an
engine, leave nothing behind (on Ctrl-C too), count the engine's transient errors, and report
where the time went (per group of tests, next to pytest's --durations list).

The suite runs in two parts (harness/suite.py): `--suite-part=parallel` on pytest-xdist
workers, then `--suite-part=alone`, the tests marked `alone`, by themselves. For the workers
this plugin says what must stay together: a page, its translation and the examples' READMEs
share images, container names and recorded runs (harness.pages.SharedRuns), so they go to one
worker, in page order, except the groups of harness.pageunits.APART, which share nothing with
the rest and each go to a worker of their own; each test module goes to one worker whole, so
its module fixtures are made once. With xdist, the session's bookkeeping splits: the controller
removes the images the run left dangling and prints the report, each worker removes the
containers it started and sends its retry and replay counts to the controller."""

from __future__ import annotations

import collections
import os
import shutil
import tempfile

import pytest

from harness import outcomes, pageunits, suite, transient
from harness import session as harness_session
from harness.dockerfiles import TEMP_PREFIX
from harness.pages import READMES, SHARED, SYBIL

pytest_collect_file = (SYBIL + READMES).pytest()
_dangling_before: dict[str, set[str]] = {}
_seconds: collections.Counter[str] = collections.Counter()
_counted: collections.Counter[str] = collections.Counter()
# What the workers sent (pytest_testnodedown), added to this process's own counts.
_from_workers: dict[str, list] = {"retries": [], "replayed": []}
# Which group a test belongs to, by where it lives; the first match wins.
GROUPS = (
    ("browser", ("tests/test_browser.py", "tests/test_search.py", "tests/test_lighthouse.py")),
    ("pages", ("docs/",)),
    ("readmes", ("examples/",)),
    ("site", ("tests/test_site.py", "tests/test_repository.py", "tests/test_evidence.py",
              "tests/test_tokens.py", "tests/test_readme.py", "tests/test_diagrams.py",
              "tests/test_features.py")),
    ("harness", ("tests/test_harness_pages.py", "tests/test_contract.py", "tests/test_transient.py",
                 "tests/test_bench.py", "tests/test_interrupt.py", "tests/test_clean.py",
                 "tests/test_ensure_docker.py", "tests/test_stores.py", "tests/test_base_images.py",
                 "tests/test_measurements.py", "tests/test_suite.py",
                 "tests/test_outcomes.py", "tests/test_noxfile.py")),
    ("examples", ("tests/",)),
)
# Work units that start first, longest first, so that no worker is left with a long one at the
# end while the others idle (their times: the slowest tests and time per group of each run).
# The pages come first of all; every other module follows in collection order.
LONGEST_FIRST = ("pages", "tests/test_audit.py", "pages:troubleshooting", "tests/test_browser.py",
                 "pages:go-static", "tests/test_python_api.py", "tests/test_search.py",
                 "pages:exercises", "pages:copy-flags", "tests/test_site.py", "tests/test_exercises.py",
                 "pages:python-uv", "tests/test_node_app.py", "pages:lint",
                 "tests/test_nextjs_standalone.py", "pages:secrets")


def group_of(nodeid: str) -> str:
    return next((name for name, prefixes in GROUPS if nodeid.startswith(prefixes)), "other")


def pytest_addoption(parser):
    parser.addoption("--suite-part", choices=suite.PARTS, default=None,
                     help="run only the tests not marked `alone` (parallel) or only those (alone); "
                          "harness/suite.py runs both, one after the other")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "alone: needs the machine to itself (a timing measured by Lighthouse, or an "
                   "engine stopped or cleaned); runs after the parallel part, one test at a time")
    # The controller of a parallel run makes the folder where its workers (which inherit the
    # environment) share the outcomes of checks that run once per run (harness.outcomes).
    if getattr(config.option, "numprocesses", None) and not is_worker(config):
        folder = tempfile.mkdtemp(prefix=TEMP_PREFIX + "outcomes-")
        os.environ[outcomes.FOLDER] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def worker_unit(nodeid: str) -> str:
    """The work unit a test belongs to: `pages`, a group of pages that runs apart
    (`pages:NAME`), or its module."""
    path = nodeid.split("::", 1)[0]
    if group := pageunits.unit_of(path):
        return group
    return "pages" if path.startswith(("docs/", "examples/")) else path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduler by scope, with worker_unit as the scope: each unit goes to one worker
    whole, in the order of the collected items (--no-loadscope-reorder). The unit is a function
    of the test's id, not an xdist_group mark: with pytest 9.2, xdist 3.8's `--dist loadgroup`
    no longer reaches the scheduler (it renames items through `_nodeid`, which pytest 9 no
    longer reads)."""
    from xdist.scheduler import LoadScopeScheduling

    class ByWorkerUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return worker_unit(nodeid)

    return ByWorkerUnit(config, log)


def pytest_collection_modifyitems(config, items):
    part = config.getoption("suite_part")
    if part:
        wanted = part == "alone"
        alone = {item: item.get_closest_marker("alone") is not None for item in items}
        dropped = [item for item in items if alone[item] != wanted]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if alone[item] == wanted]
    # A stable sort: inside a unit, and among the units not named, collection order stays.
    rank = {unit: place for place, unit in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(worker_unit(item.nodeid), len(rank)))


def is_worker(config) -> bool:
    return hasattr(config, "workerinput")


def pytest_sessionstart(session):
    # The controller checks the engine before it starts any worker; a worker need not again.
    if not is_worker(session.config):
        harness_session.require_engine()
        _dangling_before.update(harness_session.dangling_images())


def pytest_runtest_logreport(report):
    group = group_of(report.nodeid)
    _seconds[group] += report.duration
    if report.when == "call" and report.outcome != "rerun":  # a test run again counts once
        _counted[group] += 1


def pytest_sessionfinish(session, exitstatus):
    # Runs after an interrupt too (pytest tears fixtures and pages down first): remove the
    # containers this process started and has not removed; the controller, after every worker
    # has finished, removes the images the run left dangling.
    harness_session.remove_containers(sorted(harness_session.containers() & transient.STARTED))
    if is_worker(session.config):
        session.config.workeroutput["retries"] = transient.RETRIES
        session.config.workeroutput["replayed"] = SHARED.replayed
        return
    harness_session.remove_new_dangling(_dangling_before)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    _from_workers["retries"] += [tuple(retry) for retry in output.get("retries", [])]
    _from_workers["replayed"].append(output.get("replayed", 0))


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("-", "time per group (setup, call and teardown)")
    for group, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{group:>9}: {seconds:7.1f} s over {_counted[group]} tests")
    replayed = SHARED.replayed + sum(_from_workers["replayed"])
    terminalreporter.write_line(f"page blocks and claims checked against the other language's run: "
                                f"{replayed}")
    retries = transient.RETRIES + _from_workers["retries"]
    terminalreporter.write_sep("-", f"engine retries: {len(retries)}")
    for test, error in retries:
        terminalreporter.write_line(f"retried {test}: {error}")
