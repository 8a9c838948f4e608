"""`nox -s clean` finds everything the harness and the pages made, and nothing else.

The real removal of images and the build cache would throw away what the rest of the run
needs, so those are checked as what clean selects; containers and temporary folders are
removed for real."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from harness import clean, images, session, stores
from harness.dockerfiles import REPO, TEMP_PREFIX

# `harness.clean` removes every container of the guide's images and every temporary folder of the
# harness, and a dangling image another test makes would count as this module's: by itself.
pytestmark = pytest.mark.alone


def test_clean_selects_the_guides_images_and_the_pages_tags_but_no_base_image():
    images.buildx(REPO / "tests" / "fixtures" / "tiny", target="builder", tag="guide/clean-probe:builder")
    selected = clean.our_images()
    assert "guide/clean-probe:builder" in selected
    assert {"python-api:runner", "offline:builtin"} <= clean.page_tags()
    assert not {"debian:trixie-slim", "python:3.13-slim", "node:24-slim"} & selected


def test_clean_selects_the_guides_images_on_the_containerd_store_engine_too():
    images.buildx(REPO / "tests" / "fixtures" / "tiny", target="builder", tag="guide/clean-probe:builder",
                  engine="containerd")
    selected = clean.our_images("containerd")
    assert "guide/clean-probe:builder" in selected
    assert not {"debian:trixie-slim", "python:3.13-slim", "node:24-slim", "golang:1.27"} & selected
    subprocess.run(["docker", "rmi", "guide/clean-probe:builder"], capture_output=True,
                   env=stores.environment("containerd"))


def test_clean_removes_leftover_containers_and_temporary_folders(tmp_path):
    leftover = images.start("guide/clean-probe:builder", ["sleep", "600"])
    unrelated = images.start("debian:trixie-slim", ["sleep", "600"])
    folder = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}clean-probe-"))
    try:
        assert folder in clean.temporary_folders()
        result = subprocess.run([sys.executable, "-m", "harness.clean", "--containers"], cwd=REPO,
                                capture_output=True, text=True, check=True)
        assert "removed" in result.stdout
        running = {c.id for c in images.client().containers.list(all=True)}
        assert leftover.id not in running, "a container of the guide's image was left"
        assert unrelated.id in running, "clean removed a container that is not the guide's"
    finally:
        unrelated.remove(force=True)
        folder.rmdir()


def test_an_untagged_build_leaves_nothing_dangling_on_either_engine():
    """A build without a tag (`docker build .` on a page) makes a dangling image; the session
    ends by removing those it made (harness.session), on the first engine and on the one with
    the containerd image store."""
    before = session.dangling_images()
    for engine in stores.ENGINES:
        # A label of its own, so the image is a new one and not an earlier run's.
        images.buildx(REPO / "tests" / "fixtures" / "tiny", target="builder", engine=engine,
                      extra=["--label", f"dev.multistage-guide.probe={uuid.uuid4()}"])
    made = {engine: now - before[engine] for engine, now in session.dangling_images().items()}
    assert [len(new) for new in made.values()] == [1, 1], made
    session.remove_new_dangling(before)
    assert session.dangling_images() == before
