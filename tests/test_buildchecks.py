"""BuildKit's build checks report nothing on any example Dockerfile; a Dockerfile that breaks
their rules gets each warning with its line (tests/fixtures/buildchecks/)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from harness import buildchecks
from harness.dockerfiles import REPO, example_dockerfiles, exercise_solutions

FIXTURE = REPO / "tests" / "fixtures" / "buildchecks" / "Dockerfile"


# The exercises' solutions too; their starting points break rules on purpose (tests/test_exercises.py).
@pytest.mark.parametrize("dockerfile", example_dockerfiles() + exercise_solutions(),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_example_breaks_a_build_check(dockerfile):
    found = buildchecks.warnings(dockerfile)
    assert not found, "\n".join(w.where(dockerfile) for w in found)


def test_a_dockerfile_that_breaks_the_rules_gets_each_warning_with_its_line():
    found = {(w.rule, w.line) for w in buildchecks.warnings(FIXTURE)}
    assert {("FromAsCasing", 1), ("StageNameCasing", 3)} <= found, found
    assert buildchecks.main([str(FIXTURE)]) == 1


def test_a_dockerfile_that_does_not_parse_is_named(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM debian:trixie-slim\nFOO bar\n")
    expected = ("Dockerfile:2: the build check did not run: "
                "dockerfile parse error on line 2: unknown instruction: FOO")
    with pytest.raises(buildchecks.CheckFailed, match=expected):
        buildchecks.warnings(broken)


def test_without_an_engine_the_command_says_so_and_how_to_start_one():
    """`python -m harness.buildchecks` (the lint session) with no engine on its socket: a line
    that names the cause and the script that starts an engine, exit status 2, no traceback."""
    environment = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    result = subprocess.run([sys.executable, "-m", "harness.buildchecks", str(FIXTURE)], cwd=REPO,
                            env=environment, capture_output=True, text=True)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr, result.stderr
    assert "Cannot connect to the Docker daemon" in result.stderr, result.stderr
    assert "bash scripts/ensure-docker.sh" in result.stderr, result.stderr
