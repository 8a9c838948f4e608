"""The history of measurement runs (data/history.json, harness/history.py): it ends where
data/measurements.json is, an entry holds exactly what moved, it can be rebuilt from git, and the
"what changed" page shows what it holds. No Docker needed."""

from __future__ import annotations

import json
import os
import subprocess

import markdown
import pytest

from harness import changes, history
from harness.dockerfiles import REPO

FIXTURES = REPO / "tests" / "fixtures" / "history"
OLD = json.loads((FIXTURES / "old.json").read_text())
NEW = json.loads((FIXTURES / "new.json").read_text())
MEASUREMENTS = json.loads(history.MEASUREMENTS.read_text())


# --- the file and the measurements ----------------------------------------------------------


def test_the_history_ends_with_the_current_measurements():
    runs = history.load()
    assert runs, "data/history.json is empty: run `python -m harness.history --from-git`"
    problems = history.problems(runs, MEASUREMENTS)
    assert not problems, "\n".join(problems)
    assert runs[-1]["generated_at"] == MEASUREMENTS["generated_at"]
    assert runs[-1]["engine"] == MEASUREMENTS["engine"]


def test_the_consistency_check_names_what_the_history_misses():
    """The check above must be able to fail: measurements edited after the last run."""
    runs = history.load()
    edited = json.loads(json.dumps(MEASUREMENTS))
    edited["images"]["python-api:runner"]["size"] += 1
    edited["engine"]["buildx"] = "9.9.9"
    problems = history.problems(runs, edited)
    assert any(p.startswith("images python-api:runner size:") for p in problems), problems
    assert any(p.startswith("engine buildx:") for p in problems), problems
    assert any("engine" in p and "last run" in p for p in problems), problems


def test_the_file_reads_back_as_written():
    runs = history.load()
    assert json.loads(history.dump(runs)) == {"about": history.ABOUT, "runs": runs}
    assert history.HISTORY.read_text() == history.dump(runs), \
        "data/history.json is not as harness.history writes it"


# --- an entry -------------------------------------------------------------------------------


def test_an_entry_lists_exactly_the_values_that_moved():
    entry = history.entry(OLD, NEW)
    assert entry["generated_at"] == NEW["generated_at"] and entry["engine"] == NEW["engine"]
    assert entry["moved"] == {
        "builds app times_s cold": {"old": 20.0, "new": 30.0},
        "builds app times_s warm": {"old": 0.2, "new": 0.3},
        "engine server": {"old": "27.5.1", "new": "28.5.2"},
        "images app:new layers": {"new": 2},
        "images app:new size": {"new": 7000000},
        "images app:new user": {"new": "10001:10001"},
        "images app:old layers": {"old": 2},
        "images app:old size": {"old": 5000000},
        "images app:old user": {"old": "root"},
        "images app:runner size": {"old": 100000000, "new": 120000000},
        "images app:single size": {"old": 900000000, "new": 900050000},
    }


def test_the_first_run_holds_everything_and_replaying_gives_the_file_back():
    runs = history.append(history.append([], OLD), NEW)
    assert len(runs[0]["moved"]) == 13 and all(set(c) == {"new"} for c in runs[0]["moved"].values())
    assert history.replay(runs[:1]) == OLD and history.replay(runs) == NEW
    # The same file again is no new run.
    assert history.append(runs, NEW) == runs


def test_measure_adds_its_run_to_the_history_beside_the_data_file(tmp_path, monkeypatch):
    from harness import measure  # imports the Docker SDK, used by nothing here

    monkeypatch.setattr(measure, "REPO", tmp_path)
    monkeypatch.setattr(measure, "DATA", tmp_path / "measurements.json")
    for data in (OLD, NEW):
        monkeypatch.setattr(measure, "measure", lambda only, data=data: data)
        assert measure.main([]) == 0
    assert history.load(tmp_path / "history.json") == [history.entry({}, OLD), history.entry(OLD, NEW)]
    assert json.loads((tmp_path / "measurements.json").read_text()) == NEW


# --- the history rebuilt from git -----------------------------------------------------------


def git(repo, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True,
                          text=True).stdout


def commit(repo, data: dict | str, message: str) -> None:
    path = repo / "data" / "measurements.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    git(repo, "add", "data/measurements.json")
    git(repo, "commit", "-q", "-m", message)


def test_the_history_is_rebuilt_from_the_commits_of_the_data_file(tmp_path):
    git(tmp_path, "init", "-q")
    commit(tmp_path, OLD, "first run")
    (tmp_path / "other.txt").write_text("a commit that does not touch the data file\n")
    git(tmp_path, "add", "other.txt")
    git(tmp_path, "commit", "-q", "-m", "other")
    commit(tmp_path, json.dumps(OLD), "the same run, written on one line: no new run")
    commit(tmp_path, NEW, "second run")
    runs = history.from_git(tmp_path)
    assert runs == [history.entry({}, OLD), history.entry(OLD, NEW)]
    # A run measured but not committed yet is the last one.
    third = {**NEW, "generated_at": "2026-03-01T00:00:00+00:00", "bake_all_warm_s": 1.5}
    (tmp_path / "data" / "measurements.json").write_text(json.dumps(third))
    assert history.from_git(tmp_path)[-1] == history.entry(NEW, third)


def test_a_shallow_clone_is_refused(tmp_path):
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    commit(origin, OLD, "first run")
    commit(origin, NEW, "second run")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "shallow")
    with pytest.raises(history.HistoryError, match="shallow"):
        history.from_git(tmp_path / "shallow")


# --- the page -------------------------------------------------------------------------------


def render(text: str, lang: str, runs: list | None = None, monkeypatch=None) -> str:
    if runs is not None:
        monkeypatch.setattr(history, "load", lambda path=None: runs)
    md = markdown.Markdown(extensions=["tables", "attr_list", "harness.tokens"],
                           extension_configs={"harness.tokens": {"lang": lang}})
    # Right-aligned number columns: what matters here is the cells' text.
    return md.convert(text).replace(' style="text-align: right;"', "")


def sections(html: str) -> list[str]:
    """The rendered table token cut at each run's heading: [heading and its table, ...]."""
    return html.split("<h3")[1:]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_page_shows_what_moved_newest_first(lang, monkeypatch):
    runs = history.append(history.append([], OLD), NEW)
    newest, first = sections(render("{{ table changes }}", lang, runs, monkeypatch))
    assert 'id="run-20260220093000"' in newest and "2026-02-20 09:30 UTC" in newest
    assert 'id="run-20260110080000"' in first
    seconds = "{} s" if lang == "en" else "{}초"
    # Moved above the thresholds: old, new and the change; the engine, whatever it moved.
    assert "<td>100.0 MB</td>\n<td>120.0 MB</td>\n<td>+20.0 MB (+20.0%)</td>" in newest
    assert f"<td>{seconds.format('20.0')}</td>\n<td>{seconds.format('30.0')}</td>" in newest
    assert "<td>27.5.1</td>\n<td>28.5.2</td>" in newest
    # Below the thresholds: counted under the table, not shown.
    assert "<code>app:single</code>" not in newest and seconds.format("0.3") not in newest
    assert ("2 values that moved less" if lang == "en" else "기준보다 작게 움직인 값 2개") in newest
    # New and gone images by name; unchanged values nowhere.
    assert "<code>app:new</code>" in newest and "<code>app:old</code>" in newest
    assert "0.20.1" not in newest.split("</p>", 1)[1]
    # The first run: everything is new, listed by name.
    assert "<code>app:old</code>" in first and "<code>app:single</code>" in first


def test_the_page_shows_the_newest_runs_and_says_where_the_older_ones_are(monkeypatch):
    runs = history.append(history.append([], OLD), NEW)
    monkeypatch.setattr(changes, "RUNS_SHOWN", 1)
    html = render("{{ table changes }}", "en", runs, monkeypatch)
    assert len(sections(html)) == 1 and "2026-02-20 09:30 UTC" in html
    assert "Older runs, 1 of them, are in <code>data/history.json</code>." in html


def test_the_page_shows_every_run_of_the_file_and_its_versions():
    runs = history.load()[-changes.RUNS_SHOWN:]
    html = render("{{ table changes }}", "en")
    shown = sections(html)
    assert len(shown) == len(runs)
    for section, run in zip(shown, reversed(runs), strict=True):
        assert f"{run['generated_at'][:10]} {run['generated_at'][11:16]} UTC" in section
        assert f"Docker Engine {run['engine']['server']}" in section
        for path, change in run["moved"].items():
            if path.startswith("engine ") and "new" in change and change["new"] is not None:
                assert f"<td>{change['new']}</td>" in section, (run["generated_at"], path)
            elif {"old", "new"} <= change.keys() and changes.beyond_threshold(path, change):
                cells = (f"<td>{changes.value(path, change[side], 'en')}</td>" for side in ("old", "new"))
                assert "\n".join(cells) in section, (run["generated_at"], path)


@pytest.mark.parametrize(("token", "en", "ko"), [
    ("{{ threshold size relative }}", "1%", "1%"),
    ("{{ threshold size absolute }}", "0.1 MB", "0.1 MB"),
    ("{{ threshold time relative }}", "10%", "10%"),
    ("{{ threshold time absolute }}", "0.5 s", "0.5초"),
])
def test_the_page_says_its_thresholds(token, en, ko):
    assert render(token, "en") == f"<p>{en}</p>" and render(token, "ko") == f"<p>{ko}</p>"
