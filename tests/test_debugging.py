"""examples/debugging: a build that fails on purpose, and a debug image for images without a shell.

What the page (docs/*/debugging.md) shows and these tests prove:
- the build fails in the `build` stage, where `go build` cannot find the package in internal/,
  because the `sources` stage copied only the top-level .go files; `sources` builds, and holds
  exactly go.mod and main.go;
- with the one line the page changes (`COPY . .`), the runner builds and prints its greeting;
- Dockerfile.debug, given the go-static runner as its runtime stage, keeps the runner's files, user,
  environment and command and adds BusyBox in /busybox; without a build context it is BusyBox alone.
"""

from __future__ import annotations

import re

import pytest

from harness import images
from harness.dockerfiles import EXAMPLES
from harness.images import BuildFailed

CONTEXT = EXAMPLES / "debugging"


def test_the_build_fails_in_the_build_stage_for_want_of_the_internal_package():
    with pytest.raises(BuildFailed) as failed:
        images.buildx(CONTEXT, target="runner", tag=images.tag_for("debugging", "runner-broken"))
    assert re.search(r"^#\d+ \[build 1/1\] RUN ", failed.value.output, re.MULTILINE)
    assert "package debugging/internal/greeting is not in std" in failed.value.output


def test_the_last_stage_that_builds_holds_only_the_top_level_files():
    tag = images.buildx(CONTEXT, target="sources", tag=images.tag_for("debugging", "sources")).tag
    assert images.run_output(tag, "ls", "-A", "/src") == (0, "go.mod\nmain.go\n")


def test_copying_the_whole_tree_fixes_it(tmp_path):
    fixed = tmp_path / "Dockerfile"
    text = (CONTEXT / "Dockerfile").read_text()
    assert text.count("COPY *.go ./\n") == 1
    fixed.write_text(text.replace("COPY *.go ./\n", "COPY . .\n"))
    tag = images.buildx(CONTEXT, dockerfile=fixed, tag=images.tag_for("debugging", "runner")).tag
    assert images.run_output(tag, entrypoint=None) == (0, "hello from a package in a subdirectory\n")


@pytest.fixture(scope="module")
def runner() -> str:
    return images.build("go-static", "runner").tag


def test_the_debug_image_is_the_runtime_image_plus_busybox(runner):
    tag = images.buildx(CONTEXT, dockerfile=CONTEXT / "Dockerfile.debug",
                        tag=images.tag_for("debugging", "debug"),
                        extra=["--build-context", f"runtime=docker-image://{runner}"]).tag
    config, debug = (images.client().images.get(t).attrs["Config"] for t in (runner, tag))
    assert (debug["User"], debug["Cmd"]) == (config["User"], config["Cmd"])
    assert debug["Env"] == [f"{e}:/busybox" if e.startswith("PATH=") else e for e in config["Env"]]
    assert images.has_path(tag, "/server") and images.has_path(tag, "/busybox/sh")
    assert images.run_output(tag, "/busybox/sh", "-c", "id -u; ls /server") == (0, "10001\n/server\n")


def test_without_a_build_context_it_is_busybox_alone():
    tag = images.buildx(CONTEXT, dockerfile=CONTEXT / "Dockerfile.debug",
                        tag=images.tag_for("debugging", "busybox")).tag
    assert images.has_path(tag, "/busybox/wget") and not images.has_path(tag, "/server")
    assert images.run_output(tag, "ps")[0] == 0
