"""The exercises of exercises/ (harness/exercises.py): every starting point fails its check with
exactly its known audit findings and behaviour results, every solution passes, each check can
fail, the command says one line for a name it does not know, and the READMEs and pages link each
exercise both ways.

Each check builds through harness.images, which takes the build lock.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys

import pytest

from harness import dockerfiles, exercises
from harness.dockerfiles import REPO

# What each starting point gets wrong: the audit's findings (every level) and, in order, which
# behaviour checks pass. `package-managers` is info: the guide's own runners keep it.
STARTING = {
    "build-tools": ({"root-user", "build-tools", "package-managers"}, [True]),
    "root-user": ({"root-user", "package-managers"}, [True]),
    "dev-dependencies": ({"dev-dependencies", "package-managers"}, [True]),
    "secret-arg": ({"secret-in-history", "build-check", "package-managers"}, [True]),
    "test-stage": ({"unnamed-stage", "unreachable-stage", "package-managers"}, [True, False]),
    "cache-order": ({"package-managers"}, [True, False]),
}
# What each solution keeps: info findings only.
SOLVED = {
    "build-tools": set(),
    "root-user": {"package-managers"},
    "dev-dependencies": {"package-managers"},
    "secret-arg": {"package-managers"},
    "test-stage": {"test-stage-skipped", "package-managers"},
    "cache-order": {"package-managers"},
}


@functools.cache
def checked(name: str, solution: bool) -> exercises.Result:
    return exercises.check(name, solution)


def summary(result: exercises.Result) -> list:
    return [(f.id, f.evidence) for f in result.report.findings] + [o.said["en"] for o in result.outcomes]


def test_every_exercise_is_listed():
    assert sorted(p.parent.name for p in dockerfiles.exercise_starting_points()) == exercises.NAMES
    assert sorted(p.parent.name for p in dockerfiles.exercise_solutions()) == exercises.NAMES
    assert sorted(STARTING) == sorted(SOLVED) == exercises.NAMES
    assert len(exercises.NAMES) >= 6


def test_the_starting_points_stay_out_of_the_examples_checks():
    checked_files = set(dockerfiles.example_dockerfiles()) | set(dockerfiles.exercise_solutions())
    assert not checked_files & set(dockerfiles.exercise_starting_points())


@pytest.mark.parametrize("name", sorted(STARTING))
def test_every_starting_point_fails_its_check(name):
    result = checked(name, False)
    ids, outcomes = STARTING[name]
    assert result.built, result.build_error
    assert set(result.report.ids()) == ids, summary(result)
    assert [o.ok for o in result.outcomes] == outcomes, summary(result)
    assert result.report.matched, "the image's history does not match the starting point's Dockerfile"
    assert not result.solved
    assert exercises.lines(result, "en")[-1].startswith("Not solved yet:")
    assert exercises.lines(result, "ko")[-1].startswith("아직 해결하지 못했습니다:")


@pytest.mark.parametrize("name", sorted(SOLVED))
def test_every_solution_passes_its_check(name):
    result = checked(name, True)
    assert result.built, result.build_error
    assert set(result.report.ids()) == SOLVED[name], summary(result)
    assert all(o.ok for o in result.outcomes), summary(result)
    assert result.report.matched
    assert result.solved
    assert exercises.lines(result, "en")[-1] == "Solved."
    assert exercises.lines(result, "ko")[-1] == "해결했습니다."


def test_the_secret_is_flagged_by_the_build_check_too_and_never_shown():
    result = checked("secret-arg", False)
    found = [f for f in result.report.findings if f.id == "build-check"]
    assert len(found) == 1 and found[0].evidence[0].startswith("SecretsUsedInArgOrEnv"), summary(result)
    assert exercises.TOKEN not in "\n".join(exercises.lines(result, "en"))


def test_the_reports_name_the_page_in_the_chosen_language():
    result = checked("root-user", False)
    assert "      Read: docs/en/copy-optimization.md#runtime-user" in exercises.lines(result, "en")
    assert "      읽을 페이지: docs/ko/copy-optimization.md#runtime-user" in exercises.lines(result, "ko")


# --- each check can fail ------------------------------------------------------------------


def built(name: str, solution: bool) -> exercises.Built:
    result = checked(name, solution)
    return exercises.Built(result.exercise, result.dockerfile, result.tag, "")


def test_the_http_check_fails_on_a_wrong_answer():
    outcome = exercises.answers(3000, "/missing", "ok")(built("root-user", True))
    assert not outcome.ok and "with 404" in outcome.said["en"], outcome


def test_the_http_check_fails_on_a_service_that_does_not_listen():
    outcome = exercises.answers(3001, "/health", "ok", timeout=3)(built("root-user", True))
    assert not outcome.ok and "does not answer" in outcome.said["en"], outcome


def test_the_signature_check_fails_when_the_build_had_another_token(monkeypatch):
    monkeypatch.setattr(exercises, "TOKEN", "another-token")
    outcome = exercises.prints_signature(built("secret-arg", True))
    assert not outcome.ok and "does not print" in outcome.said["en"], outcome


# --- the command --------------------------------------------------------------------------


def test_an_unknown_exercise_gets_one_line_with_the_names():
    run = subprocess.run([sys.executable, "-m", "harness.exercises", "root"], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == f"exercise: no exercise named 'root'; the exercises: {', '.join(exercises.NAMES)}\n"


# --- READMEs and pages --------------------------------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def links(path) -> set[str]:
    return set(LINK.findall(path.read_text()))


@pytest.mark.parametrize("name", exercises.NAMES)
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_readme_links_its_other_language_its_pages_and_the_exercises_page(name, lang):
    folder = exercises.EXERCISES / name
    readme = folder / ("README.md" if lang == "ko" else "README.en.md")
    found = {target.split("#")[0] for target in links(readme)}
    wanted = {"README.en.md" if lang == "ko" else "README.md", f"../../docs/{lang}/exercises.md",
              *(f"../../docs/{lang}/{page}.md" for page in exercises.exercise(name).pages)}
    assert wanted <= found, f"{readme.relative_to(REPO)}: no link to {', '.join(sorted(wanted - found))}"
    assert f"scripts/nox -s exercise -- {name}" in readme.read_text()
    assert (folder / ".dockerignore").is_file()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_page_lists_every_exercise_and_each_topic_page_links_to_its_exercise(lang):
    page = (REPO / "docs" / lang / "exercises.md").read_text()
    for name in exercises.NAMES:
        assert f"{{#{name}}}" in page, f"docs/{lang}/exercises.md: no heading for {name}"
        assert f"scripts/nox -s exercise -- {name}" in page
        for topic in exercises.exercise(name).pages:
            assert f"exercises.md#{name})" in (REPO / "docs" / lang / f"{topic}.md").read_text(), \
                f"docs/{lang}/{topic}.md does not link to its exercise {name}"
