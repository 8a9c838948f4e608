"""The harness as a pytest plugin (conftest.py only names it): collect the pages, require an
engine, leave nothing behind (on Ctrl-C too), count the engine's transient errors, and report
where the time went (per group of tests, next to pytest's --durations list)."""

from __future__ import annotations

import collections

from harness import session as harness_session
from harness import transient
from harness.pages import READMES, SHARED, SYBIL

pytest_collect_file = (SYBIL + READMES).pytest()
_dangling_before: dict[str, set[str]] = {}
_seconds: collections.Counter[str] = collections.Counter()
_counted: collections.Counter[str] = collections.Counter()
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
                 "tests/test_measurements.py")),
    ("examples", ("tests/",)),
)


def group_of(nodeid: str) -> str:
    return next((name for name, prefixes in GROUPS if nodeid.startswith(prefixes)), "other")


def pytest_runtest_logreport(report):
    group = group_of(report.nodeid)
    _seconds[group] += report.duration
    if report.when == "call":
        _counted[group] += 1


def pytest_sessionstart(session):
    harness_session.require_engine()
    _dangling_before.update(harness_session.dangling_images())


def pytest_sessionfinish(session, exitstatus):
    # Runs after an interrupt too (pytest tears fixtures and pages down first): remove the
    # containers this run started and has not removed, then the images it left dangling.
    harness_session.remove_containers(sorted(harness_session.containers() & transient.STARTED))
    harness_session.remove_new_dangling(_dangling_before)


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_sep("-", "time per group (setup, call and teardown)")
    for group, seconds in sorted(_seconds.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{group:>9}: {seconds:7.1f} s over {_counted[group]} tests")
    terminalreporter.write_line(f"page blocks and claims checked against the other language's run: "
                                f"{SHARED.replayed}")
    retries = transient.RETRIES
    terminalreporter.write_sep("-", f"engine retries: {len(retries)}")
    for test, error in retries:
        terminalreporter.write_line(f"retried {test}: {error}")
