"""The harness as a pytest plugin (conftest.py only names it): collect the pages, require an
engine, leave nothing behind (on Ctrl-C too), and count the engine's transient errors."""

from __future__ import annotations

from harness import session as harness_session
from harness import transient
from harness.pages import READMES, SYBIL

pytest_collect_file = (SYBIL + READMES).pytest()
_dangling_before: set[str] = set()


def pytest_sessionstart(session):
    harness_session.require_engine()
    _dangling_before.update(harness_session.dangling_images())


def pytest_sessionfinish(session, exitstatus):
    # Runs after an interrupt too (pytest tears fixtures and pages down first): remove the
    # containers this run started and has not removed, then the images it left dangling.
    harness_session.remove_containers(sorted(harness_session.containers() & transient.STARTED))
    harness_session.remove_new_dangling(_dangling_before)


def pytest_terminal_summary(terminalreporter):
    retries = transient.RETRIES
    terminalreporter.write_sep("-", f"engine retries: {len(retries)}")
    for test, error in retries:
        terminalreporter.write_line(f"retried {test}: {error}")
