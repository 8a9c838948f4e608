"""Every stage of every example says what it is, where BuildKit reads it: the comment line
directly above its FROM, starting with the stage's name (`# builder compiles ...`), which
`docker buildx build --call=targets` prints as the stage's description (harness.buildchecks).
Fixtures without such a line are caught, each stage with its line (tests/fixtures/stage-docs/)."""

from __future__ import annotations

import pytest

from harness import buildchecks
from harness.dockerfiles import REPO, example_dockerfiles

FIXTURES = REPO / "tests" / "fixtures" / "stage-docs"


@pytest.mark.parametrize("dockerfile", example_dockerfiles(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_stage_of_an_example_is_described(dockerfile):
    problems = buildchecks.undescribed(dockerfile)
    assert not problems, "\n".join(problems)


def test_buildkit_reads_the_description_from_the_comment_above_from():
    found = {(t.name, t.description, t.line) for t in buildchecks.targets(FIXTURES / "Dockerfile")}
    assert found == {("build", "is described.", 5), ("bare", None, 8), ("sentence", None, 11),
                     ("misplaced", "has a description, but a marker line sits between it and its FROM.", 15)}


def test_a_stage_without_a_description_is_named_with_its_line():
    problems = buildchecks.undescribed(FIXTURES / "Dockerfile")
    assert [problem.split(": ", 1)[0] for problem in problems] == [
        "tests/fixtures/stage-docs/Dockerfile:8", "tests/fixtures/stage-docs/Dockerfile:11",
        "tests/fixtures/stage-docs/Dockerfile:15"]
    assert "stage bare has no description: write `# bare <what the stage is>`" in problems[0]
    assert "stage sentence has no description" in problems[1]
    assert "stage misplaced is described by an earlier comment" in problems[2]
    assert buildchecks.main([str(FIXTURES / "Dockerfile")]) == 1


def test_only_a_single_stage_dockerfile_may_leave_its_stage_unnamed():
    problems = buildchecks.undescribed(FIXTURES / "Dockerfile.unnamed")
    assert len(problems) == 1 and problems[0].startswith("tests/fixtures/stage-docs/Dockerfile.unnamed:7: "
                                                         "a stage without a name"), problems
    single = REPO / "examples" / "go-static" / "Dockerfile.single"
    assert [t.name for t in buildchecks.targets(single)] == [None]
    assert buildchecks.undescribed(single) == []
