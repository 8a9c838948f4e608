# The harness lives in harness/; this file only plugs it into pytest.
from harness import session as harness_session
from harness.pages import SYBIL

pytest_collect_file = SYBIL.pytest()
_dangling_before: set[str] = set()


def pytest_sessionstart(session):
    harness_session.require_engine()
    _dangling_before.update(harness_session.dangling_images())


def pytest_sessionfinish(session, exitstatus):
    harness_session.remove_new_dangling(_dangling_before)
