"""Time the suite as a contributor meets it, and keep the times.

    python -m harness.bench [RUNS]      (nox -s bench -- RUNS, default 1)

Each round runs the whole suite on this checkout as `nox -s test` does, both parts
(harness.suite; warm: the engine, base images and build cache are already there), then one page
the way CONTRIBUTING proves a single page (ONE_PAGE). Every run appends one JSON line to
test-artifacts/suite-times.jsonl: when, the commit, what ran, wall seconds and each part's,
whether it passed, pytest's summary lines, the time per group and the slowest tests, as the
suite's own summary printed them; a failed run's whole output goes to test-artifacts/bench/.
A fresh clone's time is `.ci/run`'s and is not taken here: it needs a new checkout.

Each record also carries the time of a fixed piece of work on one core, taken just before and
just after the run (reference_seconds). On a virtual machine the CPU a run gets can change
within the hour (the same work, on the same idle machine, took a third less time half an hour
later). A run that got slower while the reference did too is the machine, not the suite.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import subprocess
import sys
import time

from harness import suite
from harness.dockerfiles import REPO

TIMES = REPO / "test-artifacts" / "suite-times.jsonl"
# A failed run's whole output: the record names the failed tests, this file says why they failed
# (a failure that shows once in three runs cannot be asked again).
OUTPUTS = REPO / "test-artifacts" / "bench"
ONE_PAGE = ["docs/ko/python.md"]
GROUP_LINE = re.compile(r"^\s*(\w+):\s+([\d.]+) s over (\d+) tests$", re.MULTILINE)
SLOW_LINE = re.compile(r"^([\d.]+)s (?:setup|call|teardown)\s+(\S+)$", re.MULTILINE)
# pytest's summary line of a part (`2 passed, 1 deselected in 3.10s`), and the suite's last line.
SUMMARY_LINE = re.compile(r"^=+ .* in [\d.]+s.* =+$")
PART_LINE = re.compile(rf"({'|'.join(suite.PARTS)}) part (\d+) s")
SLOWEST = 15
# pytest's short test summary: a run that failed says which tests, so the record can too.
FAILED_LINE = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


REFERENCE_ROUNDS = 2_000_000


def reference_seconds(rounds: int = REFERENCE_ROUNDS) -> float:
    """Seconds this process takes for `rounds` SHA-256 hashes of the previous hash: CPU work
    on one core, with no files, engine or network in it."""
    started, digest = time.perf_counter(), b""
    for _ in range(rounds):
        digest = hashlib.sha256(digest).digest()
    return round(time.perf_counter() - started, 2)


def timed(what: str, args: list[str]) -> dict:
    """One run of the suite (both parts, harness.suite) with `args`, as a record: the parts'
    summary lines, their time per group added up, their slowest tests merged."""
    reference = [reference_seconds()]
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "harness.suite", *args], cwd=REPO, capture_output=True,
                            text=True)
    seconds = round(time.monotonic() - started, 1)
    reference.append(reference_seconds())
    summaries = [line.strip("= ") for line in result.stdout.splitlines() if SUMMARY_LINE.search(line)]
    groups: dict[str, float] = {}
    for name, group_seconds, _ in GROUP_LINE.findall(result.stdout):
        groups[name] = round(groups.get(name, 0) + float(group_seconds), 1)
    slowest = sorted(([float(s), test] for s, test in SLOW_LINE.findall(result.stdout)), reverse=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
    record = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit.stdout.strip(),
        "what": what,
        "seconds": seconds,
        "passed": result.returncode == 0,
        "summary": "; ".join(summaries),
        "parts": {part: float(s) for part, s in PART_LINE.findall(result.stdout)},
        "groups": groups,
        "slowest": slowest[:SLOWEST],
        "failed": FAILED_LINE.findall(result.stdout),
        "reference_seconds": reference,
    }
    if result.returncode != 0:
        OUTPUTS.mkdir(parents=True, exist_ok=True)
        output = OUTPUTS / f"{record['when'].replace(':', '')}-{what.replace(' ', '-')}.log"
        output.write_text(result.stdout + result.stderr)
        record["output"] = str(output.relative_to(REPO))
    return record


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
            before, after = record["reference_seconds"]
            print(f"bench:   reference work ({REFERENCE_ROUNDS:,} SHA-256 rounds on one core): "
                  f"{before:.2f} s before, {after:.2f} s after", flush=True)
            for test in record["failed"]:
                print(f"bench:   failed: {test}", flush=True)
            if "output" in record:
                print(f"bench:   its output: {record['output']}", flush=True)
    print(f"bench: appended to {TIMES.relative_to(REPO)}")
    return 0 if all(record["passed"] for record in records) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
