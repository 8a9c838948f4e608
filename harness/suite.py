"""The whole suite as `nox -s test` runs it: in parallel, then what needs the machine to itself.

    python -m harness.suite [PYTEST ARGS]      (nox -s test -- [PYTEST ARGS])

Part one (`--suite-part=parallel`) runs every test not marked `alone` on WORKERS pytest-xdist
workers; harness/plugin.py says which tests stay together on one worker. Most of a test's time
is spent waiting (for a container to answer, for the build lock, for a browser), so on two
cores more workers than cores keep both busy. Part two (`--suite-part=alone`) runs the tests
marked `alone` one at a time once part one is over: Lighthouse, whose performance score is
computed from this machine's own timings, and the tests that stop the second engine, remove
every container of the guide's images or hold the build lock on purpose.

Both parts take the same PYTEST ARGS, so `-- docs/ko/python.md` proves one page. Each part
prints its own summary line and report; a last line gives both parts' times. A part that
selects no test is not a failure; both selecting none is (pytest's exit status 5).
"""

from __future__ import annotations

import subprocess
import sys
import time

from harness.dockerfiles import REPO

WORKERS = 3
PARTS = ("parallel", "alone")
# pytest's exit statuses: no tests collected, and those after which part two must not start
# (interrupted, internal error, usage error; require_engine exits with 3 too).
NO_TESTS = 5
STOP = (2, 3, 4)


def commands(args: list[str]) -> list[list[str]]:
    """pytest's arguments for each part, in PARTS order."""
    return [
        # harness/plugin.py's scheduler sends each unit of work (worker_unit) to one worker;
        # --no-loadscope-reorder keeps the plugin's order of those units (longest first).
        ["-n", str(WORKERS), "--no-loadscope-reorder", "--suite-part=parallel", *args],
        ["--suite-part=alone", *args],
    ]


def status(codes: list[int]) -> int:
    failed = [code for code in codes if code not in (0, NO_TESTS)]
    if failed:
        return failed[0]
    return NO_TESTS if all(code == NO_TESTS for code in codes) else 0


def main(argv: list[str]) -> int:
    codes, seconds = [], []
    for args in commands(argv):
        started = time.monotonic()
        codes.append(subprocess.run([sys.executable, "-m", "pytest", *args], cwd=REPO).returncode)
        seconds.append(time.monotonic() - started)
        if codes[-1] in STOP:
            break
    times = ", ".join(f"{part} part {s:.0f} s" for part, s in zip(PARTS, seconds, strict=False))
    result = status(codes)
    print(f"suite: {times}; {sum(seconds):.0f} s in all; "
          f"{'passed' if result == 0 else f'exit status {result}'}", flush=True)
    return result


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
