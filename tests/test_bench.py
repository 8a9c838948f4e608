"""harness.bench reads the suite's own summary: if the summary's format changes, the recorded
times would silently lose their groups and slowest tests."""

from __future__ import annotations

from harness import bench


def test_a_timed_run_records_its_summary_groups_and_slowest_tests():
    record = bench.timed("one module", ["tests/test_tokens.py", "-p", "no:cacheprovider"])
    assert record["passed"] and record["seconds"] > 0
    assert " passed in " in record["summary"]
    assert set(record["groups"]) == {"site"}
    assert set(record["parts"]) == {"parallel", "alone"}  # both parts of harness.suite ran
    assert record["slowest"]
    assert all(test.startswith("tests/test_tokens.py::") for _, test in record["slowest"])
    assert len(record["reference_seconds"]) == 2 and all(s > 0 for s in record["reference_seconds"])


def test_the_reference_work_takes_longer_when_there_is_more_of_it():
    """It measures work done, not a constant: four times the rounds take more than twice as long
    (the fastest of three tries each, since the other workers share the cores)."""
    one = min(bench.reference_seconds(100_000) for _ in range(3))
    four = min(bench.reference_seconds(400_000) for _ in range(3))
    assert four > 2 * one > 0


def test_a_failing_run_records_which_tests_failed(tmp_path):
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert False\n\n\ndef test_passes():\n    pass\n")
    # Outside the repository no conftest.py names the harness's plugin, which harness.suite needs.
    args = [str(failing), "-p", "no:cacheprovider", "-p", "harness.plugin", "--rootdir", str(tmp_path)]
    record = bench.timed("a failing module", args)
    assert not record["passed"]
    assert [test.split("::")[-1] for test in record["failed"]] == ["test_fails"], record
    output = bench.REPO / record["output"]  # why it failed, kept beside the times
    assert "assert False" in output.read_text()
    output.unlink()
