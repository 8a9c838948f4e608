"""examples/dockerignore: .dockerignore filters the build context and nothing else.

`runner` copies the whole context and holds neither secrets.env nor node_modules; `from-stage`
copies a file named secrets.env out of another stage, which .dockerignore cannot stop.
"""

from __future__ import annotations

import pytest

from harness import claims, images
from harness.dockerfiles import EXAMPLES

EXAMPLE = "dockerignore"
TARGETS = ["generated", "from-stage", "runner"]


@pytest.fixture(scope="module")
def tags() -> dict[str, str]:
    return {target: images.build(EXAMPLE, target).tag for target in TARGETS}


def test_the_context_holds_the_fake_secret():
    assert (EXAMPLES / EXAMPLE / "secrets.env").is_file()
    ignored = (EXAMPLES / EXAMPLE / ".dockerignore").read_text().split()
    assert "secrets.env" in ignored and "node_modules" in ignored


@pytest.mark.parametrize("target", TARGETS)
def test_every_target_builds(tags, target):
    assert images.client().images.get(tags[target])


def test_runner_copies_the_context_without_ignored_files(tags):
    code, out = images.run_output(tags["runner"], "ls", "-A", "/app")
    assert code == 0
    assert out.split() == ["hello.sh"]
    assert claims.check(f"absent {tags['runner']} /app/secrets.env /app/node_modules") is None


def test_a_file_from_another_stage_is_not_filtered(tags):
    assert claims.check(f"present {tags['from-stage']} /app/secrets.env") is None


@pytest.mark.parametrize("target", ["runner", "from-stage"])
def test_runtime_targets_are_not_root(tags, target):
    assert images.config_user(tags[target]) == "10001:10001"
    assert claims.check(f"user {tags[target]} not root") is None


def test_a_dockerfile_specific_ignore_file_replaces_dockerignore():
    """`-f Dockerfile.docs` uses Dockerfile.docs.dockerignore, not .dockerignore: the READMEs
    that .dockerignore leaves out are in, secrets.env is still out."""
    assert (EXAMPLES / EXAMPLE / "Dockerfile.docs.dockerignore").is_file()
    tag = images.build(EXAMPLE, dockerfile="Dockerfile.docs").tag
    code, out = images.run_output(tag, "ls", "-A", "/app")
    assert code == 0, out
    assert out.split() == ["README.en.md", "README.md", "hello.sh"]
    assert images.config_user(tag) == "10001:10001"


@pytest.mark.parametrize("target", ["runner", "from-stage"])
def test_runtime_targets_work_with_a_read_only_root_filesystem(tags, target):
    code, out = images.hardened_output(tags[target])
    assert (code, out.split()) == (0, ["hello.sh"] if target == "runner" else ["secrets.env"])
    assert images.changeable_by_user(tags[target], "/app") == ""
