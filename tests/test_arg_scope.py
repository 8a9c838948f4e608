"""examples/arg-scope: an ARG declared before the first FROM is visible inside a stage only
after the stage declares it again."""

from __future__ import annotations

import pytest

from harness import claims, images
from harness.dockerfiles import EXAMPLES

EXAMPLE = "arg-scope"
FILES = ("/app/without-arg.txt", "/app/with-arg.txt")


@pytest.fixture(scope="module")
def default_tag() -> str:
    return images.build(EXAMPLE, "runner").tag


@pytest.fixture(scope="module")
def version_2_tag() -> str:
    tag = images.tag_for(EXAMPLE, "runner-version-2")
    images.buildx(EXAMPLES / EXAMPLE, target="runner", tag=tag, build_args={"VERSION": "2"})
    return tag


def printed(tag: str) -> list[str]:
    code, out = images.run_output(tag, "cat", *FILES)
    assert code == 0, out
    return out.splitlines()


def test_the_default_reaches_only_the_stage_that_redeclares_it(default_tag):
    assert printed(default_tag) == ["without ARG: VERSION=", "with ARG: VERSION=1"]


def test_a_build_arg_reaches_only_the_stage_that_redeclares_it(version_2_tag):
    assert printed(version_2_tag) == ["without ARG: VERSION=", "with ARG: VERSION=2"]


def test_cmd_prints_both_files(version_2_tag):
    container = images.start(version_2_tag)
    try:
        assert container.wait(timeout=60)["StatusCode"] == 0
        assert container.logs().decode().splitlines() == ["without ARG: VERSION=", "with ARG: VERSION=2"]
    finally:
        container.remove(force=True)


def test_runner_is_not_root(default_tag):
    assert images.config_user(default_tag) == "10001:10001"
    assert claims.check(f"user {default_tag} not root") is None


@pytest.fixture(scope="module")
def next_version_2_tag() -> str:
    tag = images.tag_for(EXAMPLE, "next-version-2")
    images.buildx(EXAMPLES / EXAMPLE, target="next", tag=tag, build_args={"VERSION": "2"})
    return tag


def test_a_stage_started_from_another_inherits_its_arg(next_version_2_tag):
    """`FROM with-arg AS next` declares no ARG, yet sees the value with-arg declared."""
    code, out = images.run_output(next_version_2_tag, "cat", "/next.txt")
    assert code == 0, out
    assert out.splitlines() == ["next: VERSION=2"]


def test_the_inherited_arg_keeps_the_global_default():
    tag = images.build(EXAMPLE, "next").tag
    code, out = images.run_output(tag, "cat", "/next.txt")
    assert code == 0, out
    assert out.splitlines() == ["next: VERSION=1"]


def test_runner_works_with_a_read_only_root_filesystem(default_tag):
    assert images.hardened_output(default_tag) == (
        0, "without ARG: VERSION=\nwith ARG: VERSION=1\n")
    assert images.changeable_by_user(default_tag, "/app") == ""
