"""Exercises that check themselves: each folder of exercises/ is a small project whose Dockerfile
makes one or two of the mistakes the guide's pages teach; Dockerfile.solution beside it is one way
to fix them.

    scripts/nox -s exercise -- NAME [--solution] [--lang ko|en]
    python -m harness.exercises NAME [--solution] [--lang ko|en]

It builds the reader's version (exercises/NAME/Dockerfile, as the reader edited it), or the
solution with --solution, through harness.images (which takes the build lock); runs the audit
(harness.audit) on the image and its Dockerfile; runs the exercise's own behaviour check (the
service still answers, the tests run and gate the build, a source change reuses the dependency
layer); and says whether the exercise is solved and what is still wrong. Solved means no audit
finding at `warning` or above (the `info` findings are what the guide's own runners keep) and
every behaviour check passed.

Exit status: 0 solved, 1 not yet, 2 input it cannot use (an unknown exercise, no engine).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import audit, images, stagechecks
from harness.auditrules import RULES
from harness.dockerfiles import REPO, TEMP_PREFIX, parse

EXERCISES = REPO / "exercises"
SOLUTION = "Dockerfile.solution"
# The token the secret-arg exercise's build gets, both as a build argument and as a secret.
TOKEN = "exercise-demo-token"


@dataclass
class Outcome:
    """One behaviour check's result, said in both languages."""
    ok: bool
    said: dict[str, str]


@dataclass
class Built:
    """What a behaviour check gets: the exercise, the Dockerfile it checks and the image."""
    exercise: Exercise
    dockerfile: Path
    tag: str
    log: str

    def build(self, context: Path, **options) -> images.Build:
        """Another build of the same Dockerfile (in `context`: a changed copy), not loaded."""
        return images.buildx(context, dockerfile=context / self.dockerfile.name, load=False,
                             **self.exercise.build_options(context), **options)


Check = Callable[[Built], Outcome]


@dataclass(frozen=True)
class Exercise:
    name: str
    checks: tuple[Check, ...]
    secret: bool = False  # the build gets TOKEN as a build argument and as a secret
    pages: tuple[str, ...] = field(default=())  # the pages it practises (docs/LANG/PAGE.md)

    @property
    def folder(self) -> Path:
        return EXERCISES / self.name

    def build_options(self, context: Path) -> dict:
        if not self.secret:
            return {}
        token = context.parent / "api-token"  # beside the build context, never in it
        if not token.exists():
            token.write_text(TOKEN)
        return {"build_args": {"API_TOKEN": TOKEN},
                "extra": ["--secret", f"id=api_token,src={token}"]}


# --- behaviour checks ---------------------------------------------------------------------


def answers(port: int, path: str, starts: str, timeout: float = 20.0) -> Check:
    """The service starts and answers GET `path` with 200 and a body that starts with `starts`."""
    def check(built: Built) -> Outcome:
        what = f"GET {path}"
        try:
            with images.running(built.tag, port) as (_, url):
                status, body = images.wait_http(url + path, timeout)
        except AssertionError as error:  # it stopped, or never answered
            said = str(error).splitlines()[0][:200]
            return Outcome(False, {"en": f"the service does not answer {what}: {said}",
                                   "ko": f"서비스가 {what}에 응답하지 않습니다: {said}"})
        text = body.decode(errors="replace").strip()
        if status == 200 and text.startswith(starts):
            return Outcome(True, {"en": f"the service answers {what} with 200: {text}",
                                  "ko": f"서비스가 {what}에 200으로 응답합니다: {text}"})
        return Outcome(False, {"en": f"the service answers {what} with {status}: {text[:80]}",
                               "ko": f"서비스가 {what}에 {status}로 응답합니다: {text[:80]}"})
    return check


def prints_signature(built: Built) -> Outcome:
    """The image prints the signature fetch.py made with the token: the build had the token."""
    wanted = f"signature: {hashlib.sha256(TOKEN.encode()).hexdigest()[:16]}"
    container = images.start(built.tag)
    try:
        code = container.wait(timeout=60)["StatusCode"]
        output = container.logs().decode(errors="replace").strip()
    finally:
        container.remove(force=True)
    if code == 0 and wanted in output:
        return Outcome(True, {"en": f"the image prints the data fetched with the token: {wanted}",
                              "ko": f"이미지가 토큰으로 받아 온 데이터를 출력합니다: {wanted}"})
    said = output.splitlines()[-1][:120] if output else "(no output)"
    return Outcome(False, {"en": f"the image does not print the data fetched with the token "
                                 f"(exit status {code}): {said}",
                           "ko": f"이미지가 토큰으로 받아 온 데이터를 출력하지 않습니다"
                                 f"(종료 상태 {code}): {said}"})


def tests_gate_the_test_target(built: Built) -> Outcome:
    """`--target test` builds, and a failing test added to a copy makes that build fail."""
    found = parse(built.dockerfile)
    if stagechecks.target_stage(found, "test") is None:
        return Outcome(False, {
            "en": "no stage is named test, so CI cannot run the tests with --target test",
            "ko": "test라는 이름의 스테이지가 없어 CI에서 --target test로 테스트를 실행할 수 없습니다"})
    with copy_of(built.exercise.folder) as copy:
        try:
            built.build(copy, target="test")
        except images.BuildFailed:
            return Outcome(False, {"en": "docker build --target test fails on the exercise's own tests",
                                   "ko": "docker build --target test가 연습 문제의 테스트에서 실패합니다"})
        name = f"test_exercise_check_{uuid.uuid4().hex[:8]}.py"
        (copy / "tests" / name).write_text(
            "import unittest\n\n\nclass Failing(unittest.TestCase):\n"
            "    def test_fails(self):\n        self.fail('added by the exercise check')\n")
        try:
            built.build(copy, target="test")
        except images.BuildFailed:
            return Outcome(True, {
                "en": "docker build --target test runs the tests: a failing test fails it",
                "ko": "docker build --target test가 테스트를 실행합니다: "
                      "실패하는 테스트가 있으면 빌드도 실패합니다"})
    return Outcome(False, {
        "en": "docker build --target test still succeeds with a failing test: it does not run the tests",
        "ko": "실패하는 테스트를 넣어도 docker build --target test가 성공합니다: 테스트를 실행하지 않습니다"})


def reuses_dependencies(source: str, step: str) -> Check:
    """After a change to `source`, a rebuild takes the step that installs dependencies from the
    cache (measured: BuildKit's log says CACHED for it, or runs it again)."""
    def check(built: Built) -> Outcome:
        with copy_of(built.exercise.folder) as copy:
            with (copy / source).open("a") as edit:  # a new line each time: never seen before
                edit.write(f"# changed by the exercise check {uuid.uuid4().hex}\n")
            log = built.build(copy)
        if log.ran(step):
            return Outcome(False, {
                "en": f"after a change to {source}, the rebuild runs `{step}` again",
                "ko": f"{source}를 바꾼 뒤 다시 빌드하면 `{step}`이 다시 실행됩니다"})
        return Outcome(True, {
            "en": f"after a change to {source}, the rebuild takes `{step}` from the cache",
            "ko": f"{source}를 바꾼 뒤 다시 빌드해도 `{step}` 단계는 캐시에서 가져옵니다"})
    return check


class copy_of:  # noqa: N801 (used as a context manager, like a function)
    """A temporary copy of the exercise's folder, as the reader left it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self) -> Path:
        self.temporary = tempfile.TemporaryDirectory(prefix=TEMP_PREFIX)
        copy = Path(self.temporary.name) / self.folder.name
        shutil.copytree(self.folder, copy, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
        return copy

    def __exit__(self, *_) -> None:
        self.temporary.cleanup()


EXERCISES_BY_NAME = {exercise.name: exercise for exercise in [
    Exercise("build-tools", (answers(8080, "/health", "ok"),), pages=("benefits", "go-static")),
    Exercise("root-user", (answers(3000, "/health", "ok"),), pages=("copy-optimization",)),
    Exercise("dev-dependencies", (answers(3000, "/health", "ok, up"),), pages=("dev-dependencies",)),
    Exercise("secret-arg", (prints_signature,), secret=True, pages=("secrets",)),
    Exercise("test-stage", (answers(8000, "/price/1999", "19.99"), tests_gate_the_test_target),
             pages=("test-stage",)),
    Exercise("cache-order", (answers(8000, "/health", "ok, up"),
                             reuses_dependencies("app.py", "pip install")), pages=("cache",)),
]}
NAMES = sorted(EXERCISES_BY_NAME)


# --- the check ----------------------------------------------------------------------------


@dataclass
class Result:
    exercise: Exercise
    dockerfile: Path
    tag: str
    built: bool = True
    build_error: str = ""
    report: audit.Report | None = None
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def problems(self) -> list[audit.Finding]:
        """The audit's findings that block: `warning` and `error`."""
        return [f for f in self.report.findings if f.level != "info"] if self.report else []

    @property
    def solved(self) -> bool:
        return self.built and not self.problems and all(o.ok for o in self.outcomes)


class Unknown(Exception):
    """An exercise name that does not exist: said in one line."""


def exercise(name: str) -> Exercise:
    if name not in EXERCISES_BY_NAME:
        raise Unknown(f"no exercise named {name!r}; the exercises: {', '.join(NAMES)}")
    return EXERCISES_BY_NAME[name]


def check(name: str, solution: bool = False) -> Result:
    """Build the exercise (the reader's Dockerfile, or the solution), audit it, run its checks."""
    chosen = exercise(name)
    dockerfile = chosen.folder / (SOLUTION if solution else "Dockerfile")
    result = Result(chosen, dockerfile, f"guide/exercise-{name}:{'solution' if solution else 'reader'}")
    audit.engine()
    with copy_of(chosen.folder) as copy:  # a copy: the secret's file never lands in the reader's folder
        try:
            build = images.buildx(copy, dockerfile=copy / dockerfile.name, tag=result.tag,
                                  **chosen.build_options(copy))
        except images.BuildFailed as error:
            result.built, result.build_error = False, "\n".join(error.output.splitlines()[-12:])
            return result
    result.report = audit.audit(result.tag, dockerfile)
    built = Built(chosen, dockerfile, result.tag, build.log)
    result.outcomes = [run(built) for run in chosen.checks]
    return result


# --- the report ---------------------------------------------------------------------------

WORDS = {
    "en": {"checking": "Exercise {name}: {file}, built as {tag}",
           "build_failed": "The build failed; its last lines:",
           "read": "Read: {}", "solved": "Solved.",
           "not_solved": "Not solved yet: {n} to fix. The task and hints: {readme}",
           "info": "kept on purpose by the guide's runners too; not required"},
    "ko": {"checking": "연습 문제 {name}: {file}, {tag} 이미지로 빌드했습니다",
           "build_failed": "빌드가 실패했습니다. 마지막 줄:",
           "read": "읽을 페이지: {}", "solved": "해결했습니다.",
           "not_solved": "아직 해결하지 못했습니다: 고칠 것 {n}개. 과제와 힌트: {readme}",
           "info": "이 가이드의 런타임 이미지에도 남아 있으며, 고치지 않아도 됩니다"},
}


def lines(result: Result, lang: str) -> list[str]:
    words = WORDS[lang]
    name = result.exercise.name
    readme = f"exercises/{name}/{'README.md' if lang == 'ko' else 'README.en.md'}"
    out = [words["checking"].format(name=name, file=result.dockerfile.relative_to(REPO), tag=result.tag)]
    if not result.built:
        return [*out, f"  ✗ {words['build_failed']}", *(f"      {line}" for line in
                                                          result.build_error.splitlines()),
                words["not_solved"].format(n=1, readme=readme)]
    for finding in result.report.findings:
        rule = RULES[finding.id]
        where = f" ({result.dockerfile.name}:{finding.line})" if finding.line else ""
        if finding.level == "info":
            out.append(f"  · {finding.id} ({finding.level}){where}: {words['info']}")
            continue
        out.append(f"  ✗ {finding.id} ({finding.level}){where}")
        out += [f"      {evidence}" for evidence in finding.evidence]
        out += [f"      {rule.why[lang]}", f"      {words['read'].format(rule.page_in(lang))}"]
    for outcome in result.outcomes:
        out.append(f"  {'✓' if outcome.ok else '✗'} {outcome.said[lang]}")
    wrong = len(result.problems) + sum(not o.ok for o in result.outcomes)
    out.append(words["solved"] if result.solved else words["not_solved"].format(n=wrong, readme=readme))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="exercise", description="Build an exercise of exercises/ and say whether it is solved.")
    parser.add_argument("name", metavar="NAME", help=f"the exercise: {', '.join(NAMES)}")
    parser.add_argument("--solution", action="store_true",
                        help=f"check the exercise's {SOLUTION} instead of its Dockerfile")
    parser.add_argument("--lang", choices=("ko", "en"), default=None,
                        help="the language of the report (default: from the locale)")
    args = parser.parse_args(argv)
    lang = args.lang or audit.default_language()
    try:
        result = check(args.name, args.solution)
    except (Unknown, audit.BadInput) as error:
        print(f"exercise: {error}", file=sys.stderr)
        return 2
    print("\n".join(lines(result, lang)))
    return 0 if result.solved else 1


if __name__ == "__main__":
    raise SystemExit(main())
