"""harness.outcomes: a check that runs once per run of the suite, in one process and across the
pytest-xdist workers that share the run's folder."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness import images, outcomes, transient
from harness.dockerfiles import REPO

# A process of its own, as a worker is: it checks, or reads the answer another process left.
WORKER = """import sys
from pathlib import Path
from harness import outcomes

def check():
    Path(sys.argv[1]).open("a").write("checked\\n")
    return "the drain point failed"

print(outcomes.once(("contract", "same image", "drain"), check))"""


def worker(log) -> str:
    result = subprocess.run([sys.executable, "-c", WORKER, str(log)], cwd=REPO, capture_output=True,
                            text=True, check=True)
    return result.stdout.strip()


def test_workers_that_share_a_folder_check_once(tmp_path, monkeypatch):
    monkeypatch.setenv(outcomes.FOLDER, str(tmp_path))
    log = tmp_path / "checks.log"
    assert [worker(log), worker(log)] == ["the drain point failed"] * 2
    assert log.read_text() == "checked\n"


def test_without_a_folder_each_process_checks(tmp_path, monkeypatch):
    monkeypatch.delenv(outcomes.FOLDER, raising=False)
    log = tmp_path / "checks.log"
    assert [worker(log), worker(log)] == ["the drain point failed"] * 2
    assert log.read_text() == "checked\n" * 2


def test_a_check_that_raised_is_checked_again(tmp_path, monkeypatch):
    monkeypatch.setenv(outcomes.FOLDER, str(tmp_path))
    monkeypatch.setattr(outcomes, "_KEPT", {})
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the engine went away")
        return None

    with pytest.raises(ConnectionError):
        outcomes.once(("readonly", "image"), flaky)
    assert outcomes.once(("readonly", "image"), flaky) is None
    assert outcomes.once(("readonly", "image"), flaky) is None  # kept: not checked a third time
    assert len(calls) == 2


def tags_of_one_build(monkeypatch, folder, target: str, other: str) -> None:
    """An empty folder of shared answers; the fixture's TARGET built twice, as the harness
    builds it (guide/outcomes-probe:TARGET, labelled) and as a page does (outcomes-probe:TARGET,
    no label), two image IDs of one build; and its OTHER target, another image."""
    monkeypatch.setenv(outcomes.FOLDER, str(folder))
    monkeypatch.setattr(outcomes, "_KEPT", {})
    context = REPO / "tests" / "fixtures" / "tiny"
    images.buildx(context, target=target, tag=f"guide/outcomes-probe:{target}")
    images.buildx(context, target=other, tag=f"guide/outcomes-probe:{other}")
    with images.build_lock():
        subprocess.run(["docker", "buildx", "build", "--load", "--target", target,
                        "-t", f"outcomes-probe:{target}", str(context)], check=True, capture_output=True)
    assert images.image_id(f"guide/outcomes-probe:{target}") != images.image_id(f"outcomes-probe:{target}")


def test_two_tags_of_one_build_share_what_they_hold(tmp_path, monkeypatch):
    """images.present asks an image once per run: a page's tag and the harness's labelled tag
    of the same build (two image IDs) share the answer; an image that holds something else,
    or another question, is asked again."""
    tags_of_one_build(monkeypatch, tmp_path, "builder", "test")
    asked: list[tuple[str, ...]] = []
    really = images._present

    def counted(image, things):
        asked.append(things)
        return really(image, things)

    monkeypatch.setattr(images, "_present", counted)
    wanted = ["sh", "/artifact", "/tested"]
    assert images.present("guide/outcomes-probe:builder", wanted) == ["sh", "/artifact"]
    assert images.present("outcomes-probe:builder", wanted) == ["sh", "/artifact"]
    assert len(asked) == 1
    assert images.present("guide/outcomes-probe:test", wanted) == wanted
    assert images.present("outcomes-probe:builder", ["/tested"]) == []
    assert len(asked) == 3


def test_a_probe_whose_output_was_lost_fails_instead_of_answering():
    """An answer is shared, so a wrong one would spread: a probe's output that stops before its
    last line (as when the engine loses a container's output) is tried again and then fails;
    it never reads as "nothing found"."""
    images.buildx(REPO / "tests" / "fixtures" / "tiny", target="builder", tag="guide/outcomes-probe:builder")
    assert images.probe("guide/outcomes-probe:builder", 'echo "found $1"', "it").split() == ["found", "it"]
    with pytest.raises(AssertionError, match="lost its output 3 times.*'found it"):
        images.probe("guide/outcomes-probe:builder", 'echo "found $1"; exit 0', "it")


def test_two_tags_of_one_build_share_what_their_user_can_change(tmp_path, monkeypatch):
    """images.changeable_by_user, the audit's question to every runner, is asked once per run
    for the tags of one build; another path, or another image, is asked again."""
    tags_of_one_build(monkeypatch, tmp_path, "server-writable", "server")
    started = len(transient.STARTED)  # the containers the harness started in this process
    owned = images.changeable_by_user("guide/outcomes-probe:server-writable", "/app")
    assert owned.split() == ["/app", "/app/server.pl"]
    assert images.changeable_by_user("outcomes-probe:server-writable", "/app") == owned
    assert len(transient.STARTED) == started + 1, "the page's tag of the same build was asked again"
    assert images.changeable_by_user("guide/outcomes-probe:server", "/app") == ""
    assert images.changeable_by_user("outcomes-probe:server-writable", "/app/server.pl") == "/app/server.pl"
    assert len(transient.STARTED) == started + 3
