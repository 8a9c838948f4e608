"""The history of measurement runs: what moved in data/measurements.json from one run to the next.

    python -m harness.history --from-git   rebuild data/history.json from the commits that
                                           changed data/measurements.json

data/history.json lists the runs oldest first. A run is the date of its measurements, the engine
it measured on, and every value that moved against the run before, named by its path of keys in
measurements.json joined by spaces:

    {"generated_at": "2026-12-05T00:16:05+00:00",
     "engine": {"server": "28.5.2+dfsg4", "buildx": "0.29.1+ds1", "image_store": "classic", ...},
     "moved": {"images python-api:runner size": {"old": 145402411, "new": 145402739},
               "images go-static:runner size": {"new": 7393239},   measured for the first time
               "builds basic cold_s": {"old": 3.2}}}               no longer recorded

The first run has no run before it: everything it holds is new. So replaying every run in order
gives back the measurements of the last one, and tests/test_history.py checks that this is
data/measurements.json.

The history is a file in the repository, not something read from git when the site is built:
CI may check out a single commit, and a reader's clone may be shallow. harness.measure appends a
run each time it writes measurements.json; `--from-git` wrote the runs from before that, and can
write them again (it needs the full history of the repository).

The page docs/*/changes.md shows it (harness/changes.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.dockerfiles import REPO

MEASUREMENTS = REPO / "data" / "measurements.json"
HISTORY = MEASUREMENTS.with_name("history.json")  # beside it: harness.measure writes both
ABOUT = ("Every run of `nox -s measure`, oldest first, with the values that moved against the run "
         "before (harness/history.py). Written by harness.measure and `python -m harness.history "
         "--from-git`; not edited by hand.")


class HistoryError(ValueError):
    """The history cannot be read or rebuilt."""


# --- runs -----------------------------------------------------------------------------------


def flatten(data: dict, prefix: tuple[str, ...] = ()) -> dict[str, object]:
    """Every value of a measurements file by its path, `images python-api:runner size`. The date
    is the run's own, not a value that moves."""
    values = {}
    for key, value in data.items():
        if not prefix and key == "generated_at":
            continue
        if " " in key:
            raise HistoryError(f"a key with a space cannot be part of a path: {key!r}")
        if isinstance(value, dict) and value:
            values.update(flatten(value, (*prefix, key)))
        else:
            values[" ".join((*prefix, key))] = value
    return values


def unflatten(values: dict[str, object]) -> dict:
    data: dict = {}
    for path, value in values.items():
        *parents, last = path.split(" ")
        place = data
        for key in parents:
            place = place.setdefault(key, {})
        place[last] = value
    return data


def moved(before: dict[str, object], after: dict[str, object]) -> dict[str, dict]:
    """The values that differ, sorted by path; `old` is left out for a new one, `new` for a gone one."""
    changes = {}
    for path in sorted(before.keys() | after.keys()):
        change = {side: values[path] for side, values in (("old", before), ("new", after))
                  if path in values}
        if len(change) == 1 or change["old"] != change["new"]:
            changes[path] = change
    return changes


def run_after(values: dict[str, object], data: dict) -> dict:
    """The run that wrote `data`, when the values before it were `values` (path by path)."""
    return {"generated_at": data["generated_at"], "engine": data["engine"],
            "moved": moved(values, flatten(data))}


def entry(previous: dict, data: dict) -> dict:
    """The run that wrote `data`, after the one that wrote `previous` ({} for none)."""
    return run_after(flatten(previous), data)


def advance(values: dict[str, object], run: dict) -> dict[str, object]:
    """The values after one more run, path by path."""
    after = dict(values)
    for path, change in run["moved"].items():
        if "new" in change:
            after[path] = change["new"]
        else:
            after.pop(path, None)
    return after


def state(runs: list[dict]) -> dict[str, object]:
    """The values after every run, path by path."""
    values: dict[str, object] = {}
    for run in runs:
        values = advance(values, run)
    return values


def replay(runs: list[dict]) -> dict:
    """The measurements file as the last run wrote it."""
    if not runs:
        return {}
    return {"generated_at": runs[-1]["generated_at"], **unflatten(state(runs))}


def append(runs: list[dict], data: dict) -> list[dict]:
    """The runs with the one that wrote `data`, compared with where the history stands (not with
    the file on disk, so that the history always replays). The same file again is no new run."""
    run = run_after(state(runs), data)
    if runs and not run["moved"] and run["generated_at"] == runs[-1]["generated_at"]:
        return runs
    return [*runs, run]


def problems(runs: list[dict], data: dict) -> list[str]:
    """Where the history does not end with `data`: each value it disagrees on, by path."""
    if not runs:
        return ["data/history.json holds no run: run `python -m harness.history --from-git`"]
    last = runs[-1]
    found = [f"{path}: the history ends with {change.get('old', '(none)')!r}, the measurements "
             f"say {change.get('new', '(none)')!r}"
             for path, change in moved(state(runs), flatten(data)).items()]
    if last["generated_at"] != data["generated_at"]:
        found.append(f"the last run is of {last['generated_at']}, the measurements of "
                     f"{data['generated_at']}")
    if last["engine"] != data["engine"]:
        found.append("the engine of the last run is not the engine of the measurements")
    return found


# --- the file -------------------------------------------------------------------------------


def load(path: Path = HISTORY) -> list[dict]:
    return json.loads(path.read_text())["runs"] if path.exists() else []


def dump(runs: list[dict]) -> str:
    """The file's text: one moved value a line, so that a run's diff reads as what it moved."""
    def line(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    blocks = []
    for run in runs:
        moved_lines = ",\n".join(f"        {line(path)}: {line(change)}"
                                 for path, change in run["moved"].items())
        blocks.append("    {\n"
                      f'      "generated_at": {line(run["generated_at"])},\n'
                      f'      "engine": {line(run["engine"])},\n'
                      + (f'      "moved": {{\n{moved_lines}\n      }}\n' if moved_lines
                         else '      "moved": {}\n')
                      + "    }")
    return f'{{\n  "about": {line(ABOUT)},\n  "runs": [\n' + ",\n".join(blocks) + "\n  ]\n}\n"


def write(runs: list[dict], path: Path = HISTORY) -> None:
    path.write_text(dump(runs))


def record(data: dict, path: Path = HISTORY) -> dict:
    """Add the run that wrote `data` to the history file (harness.measure calls it); the run."""
    runs = append(load(path), data)
    write(runs, path)
    return runs[-1]


# --- the past, from git ---------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def from_git(repo: Path = REPO, file: str = "data/measurements.json") -> list[dict]:
    """The runs of every commit that wrote `file`, oldest first, then the working copy's run if
    it has not been committed yet."""
    if git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
        raise HistoryError("this clone is shallow: its first commits are missing "
                           "(`git fetch --unshallow`, then run this again)")
    runs: list[dict] = []
    # Commits that added or changed the file: one that deleted it wrote no run.
    for commit in git(repo, "log", "--reverse", "--diff-filter=AM", "--format=%H", "--", file).split():
        runs = append(runs, json.loads(git(repo, "show", f"{commit}:{file}")))
    if (repo / file).exists():
        runs = append(runs, json.loads((repo / file).read_text()))
    return runs


def main(argv: list[str]) -> int:
    if argv != ["--from-git"]:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    runs = from_git()
    write(runs)
    values = sum(len(run["moved"]) for run in runs)
    print(f"history: wrote {HISTORY.relative_to(REPO)} ({len(runs)} runs, {values} moved values)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
