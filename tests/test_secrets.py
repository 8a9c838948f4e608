"""examples/secrets: a build argument a RUN uses shows in `docker history`; a secret mount does not."""

from __future__ import annotations

import pytest

from harness import claims, images
from harness.dockerfiles import EXAMPLES

EXAMPLE = "secrets"
TOKEN = "s3cr3t-demo"


@pytest.fixture(scope="module")
def leaky() -> str:
    tag = images.tag_for(EXAMPLE, "leaky")
    images.buildx(EXAMPLES / EXAMPLE, target="leaky", tag=tag, build_args={"TOKEN": TOKEN})
    return tag


@pytest.fixture(scope="module")
def safe(tmp_path_factory) -> str:
    secret = tmp_path_factory.mktemp("secrets") / "token"
    secret.write_text(TOKEN)
    tag = images.tag_for(EXAMPLE, "safe")
    images.buildx(EXAMPLES / EXAMPLE, target="safe", tag=tag,
                  extra=["--secret", f"id=token,src={secret}"])
    return tag


def test_the_build_argument_leaks_into_history(leaky):
    assert TOKEN in images.history_text(leaky)
    assert claims.check(f"history {leaky} contains {TOKEN}") is None


def test_the_secret_mount_leaves_no_trace(safe):
    assert claims.check(f"history {safe} lacks {TOKEN}") is None
    code, out = images.run_output(safe, "sh", "-c", f"grep -rs {TOKEN} /etc /app /run /token-check.txt; "
                                  "test ! -e /run/secrets/token")
    assert code == 0, out
    assert TOKEN not in out


def test_both_targets_saw_the_token(leaky, safe):
    for tag in (leaky, safe):
        code, out = images.run_output(tag, "cat", "/token-check.txt")
        assert (code, out.strip()) == (0, f"token received ({len(TOKEN)} characters)")


def test_safe_fails_without_the_secret():
    with pytest.raises(images.BuildFailed):
        images.buildx(EXAMPLES / EXAMPLE, target="safe", load=False, extra=["--no-cache"])


@pytest.mark.parametrize("target", ["leaky", "safe"])
def test_targets_are_not_root(leaky, safe, target):
    tag = {"leaky": leaky, "safe": safe}[target]
    assert images.config_user(tag) == "10001:10001"
    assert claims.check(f"user {tag} not root") is None


@pytest.mark.parametrize("target", ["leaky", "safe"])
def test_targets_work_with_a_read_only_root_filesystem(leaky, safe, target):
    tag = {"leaky": leaky, "safe": safe}[target]
    assert images.hardened_output(tag) == (0, f"token received ({len(TOKEN)} characters)\n")
    # No WORKDIR: the one file the image adds is /token-check.txt.
    assert images.changeable_by_user(tag, "/token-check.txt") == ""
