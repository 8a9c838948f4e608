"""Checks that run once per run of the suite: a runtime contract point, a `readonly` answer,
which paths and programs an image holds (images.present), what its runtime user can change
(images.changeable_by_user), its Python distributions (imagechecks.distributions).

Their outcome depends only on what an image runs (images.runs_the_same), and several tests ask
the same of the same image: a page's claim on `python-api:runner` and the example's test module
on `guide/python-api:runner`, the same layers with other labels. In one process the first
answer is kept. Under pytest-xdist the page and the test module are on different workers, and
each would start the same servers again: the workers share their answers through files in a
folder the controller makes for the run (FOLDER names it; harness/plugin.py). One worker checks
while another that asks the same waits for its answer; a check that raised leaves no answer,
and the next one to ask checks again.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

FOLDER = "MULTISTAGE_GUIDE_OUTCOMES"  # the environment variable the workers inherit
_KEPT: dict[str, Any] = {}


def once(key: tuple, check: Callable[[], Any]) -> Any:
    """check()'s outcome, checked once per run for `key`: a value JSON keeps (a check's None or
    what went wrong, a question's list of answers)."""
    name = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]
    if name not in _KEPT:
        _KEPT[name] = _shared(name, check)
    return _KEPT[name]


def _shared(name: str, check: Callable[[], Any]) -> Any:
    folder = os.environ.get(FOLDER)
    if not folder or not Path(folder).is_dir():
        return check()
    answer = Path(folder) / f"{name}.json"
    with open(Path(folder) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if answer.exists():
            return json.loads(answer.read_text())["outcome"]
        outcome = check()
        answer.write_text(json.dumps({"outcome": outcome}))
        return outcome
