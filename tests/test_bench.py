"""harness.bench reads the suite's own summary: if the summary's format changes, the recorded
times would silently lose their groups and slowest tests."""

from __future__ import annotations

from harness import bench


def test_a_timed_run_records_its_summary_groups_and_slowest_tests():
    record = bench.timed("one module", ["tests/test_tokens.py", "-p", "no:cacheprovider"])
    assert record["passed"] and record["seconds"] > 0
    assert " passed in " in record["summary"]
    assert set(record["groups"]) == {"site"}
    assert record["slowest"]
    assert all(test.startswith("tests/test_tokens.py::") for _, test in record["slowest"])
