"""Run a job every $INTERVAL seconds (default 1) with `schedule`; stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime

import schedule

stopping = threading.Event()
processed = 0


def job() -> None:
    """Stand-in for real work (a queue, a mailbox, a folder): count and report."""
    global processed
    processed += 1
    print(f"worker processed job {processed} at {datetime.now(UTC):%H:%M:%S}", flush=True)


def main() -> None:
    interval = float(os.environ.get("INTERVAL", "1"))
    # PID 1 gets no default SIGTERM action: the handler turns it into a clean stop.
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    schedule.every(interval).seconds.do(job)
    print(f"worker started (uid {os.getuid()}), a job every {interval:g} s", flush=True)
    while not stopping.is_set():
        schedule.run_pending()
        stopping.wait(0.2)
    print(f"worker stopped after {processed} jobs", flush=True)


if __name__ == "__main__":
    main()
