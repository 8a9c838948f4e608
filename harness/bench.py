"""Time the suite as a contributor meets it, and keep the times.

    python -m harness.bench [RUNS]      (nox -s bench -- RUNS, default 1)

Each round runs the whole suite on this checkout (warm: the engine, base images and build
cache are already there), then one page the way CONTRIBUTING proves a single page
(ONE_PAGE). Every run appends one JSON line to test-artifacts/suite-times.jsonl: when, the
commit, what ran, wall seconds, whether it passed, pytest's summary line, the time per group
and the slowest tests, as the suite's own summary printed them. A fresh clone's time is
`.ci/run`'s and is not taken here: it needs a new checkout.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
import time

from harness.dockerfiles import REPO

TIMES = REPO / "test-artifacts" / "suite-times.jsonl"
ONE_PAGE = ["docs/ko/python.md"]
GROUP_LINE = re.compile(r"^\s*(\w+):\s+([\d.]+) s over (\d+) tests$", re.MULTILINE)
SLOW_LINE = re.compile(r"^([\d.]+)s (?:setup|call|teardown)\s+(\S+)$", re.MULTILINE)
# pytest's short test summary: a run that failed says which tests, so the record can too.
FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def timed(what: str, args: list[str]) -> dict:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=REPO, capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    summary = [line.strip("= ") for line in result.stdout.splitlines() if re.search(r" in [\d.]+s", line)]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "what": what,
        "seconds": seconds,
        "passed": result.returncode == 0,
        "summary": summary[-1] if summary else "",
        "groups": {name: float(seconds) for name, seconds, _ in GROUP_LINE.findall(result.stdout)},
        "slowest": [[float(seconds), test] for seconds, test in SLOW_LINE.findall(result.stdout)],
        "failed": FAILED_LINE.findall(result.stdout),
    }


def main(argv: list[str]) -> int:
    if argv and not argv[0].isdigit():
        print("usage: python -m harness.bench [RUNS]", file=sys.stderr)
        return 2
    TIMES.parent.mkdir(exist_ok=True)
    records = []
    for _ in range(int(argv[0]) if argv else 1):
        for what, args in (("warm suite", []), ("one page", ONE_PAGE)):
            records.append(timed(what, args))
            with TIMES.open("a") as times:
                times.write(json.dumps(records[-1], ensure_ascii=False) + "\n")
            record = records[-1]
            print(f"bench: {what}: {record['seconds']:.0f} s, {'passed' if record['passed'] else 'FAILED'}; "
                  f"{record['summary']}", flush=True)
            for test in record["failed"]:
                print(f"bench:   failed: {test}", flush=True)
    print(f"bench: appended to {TIMES.relative_to(REPO)}")
    return 0 if all(record["passed"] for record in records) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
