"""Run the whole suite N times on one checkout and say what ever failed.

    python -m harness.soak N [PYTEST ARGS]      (nox -s soak -- N)

Per run: passed or failed, duration, the engine's transient errors retried (the suite's
summary line `engine retries: K`), and pytest's own summary line. At the end: every test that
failed in any run, with the runs it failed in. Exit status 1 when any run failed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from harness import suite
from harness.dockerfiles import REPO, TEMP_PREFIX


def failed_tests(junit: Path) -> list[str]:
    if not junit.exists():
        return ["(no report: the run stopped before pytest wrote one)"]
    failed = []
    for case in ET.parse(junit).iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed.append(f"{case.get('classname')}::{case.get('name')}")
    return failed


def one_run(number: int, args: list[str], folder: Path) -> tuple[bool, list[str]]:
    """Both parts of the suite (harness.suite), each with a report of its own."""
    started = time.monotonic()
    codes, output, reports = [], "", []
    for part, part_args in zip(suite.PARTS, suite.commands(args), strict=True):
        reports.append(folder / f"run-{number}-{part}.xml")
        result = subprocess.run([sys.executable, "-m", "pytest", f"--junitxml={reports[-1]}", *part_args],
                                cwd=REPO, capture_output=True, text=True)
        codes.append(result.returncode)
        output += result.stdout + result.stderr
        if result.returncode in suite.STOP:
            break
    seconds = time.monotonic() - started
    (folder / f"run-{number}.log").write_text(output)
    retries = sum(int(found) for found in re.findall(r"engine retries: (\d+)", output))
    summary = [line.strip("= ") for line in output.splitlines() if re.search(r" in [\d.]+s", line)]
    passed = suite.status(codes) == 0
    print(f"soak: run {number}: {'passed' if passed else 'FAILED'} in {seconds:.0f} s, "
          f"engine retries {retries}; {'; '.join(summary)}", flush=True)
    for line in re.findall(r"^retried .*$", output, re.MULTILINE):
        print(f"soak:   {line}", flush=True)
    return passed, [] if passed else [test for report in reports for test in failed_tests(report)]


def main(argv: list[str]) -> int:
    if not argv or not argv[0].isdigit():
        print("usage: python -m harness.soak N [PYTEST ARGS]", file=sys.stderr)
        return 2
    runs, args = int(argv[0]), argv[1:]
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}soak-"))
    print(f"soak: {runs} runs; reports and logs in {folder}", flush=True)
    failures: dict[str, list[int]] = defaultdict(list)
    green = 0
    for number in range(1, runs + 1):
        passed, failed = one_run(number, args, folder)
        green += passed
        for test in failed:
            failures[test].append(number)
    print(f"soak: {green} of {runs} runs passed")
    for test, numbers in sorted(failures.items()):
        print(f"soak: failed in run {', '.join(map(str, numbers))}: {test}")
    return 0 if green == runs else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
