"""Sessions of the verified guide to Docker multi-stage builds.

    nox -s serve        both languages, live: Korean at the root, English under /en/
    nox -s docs         strict build of both languages into site/
    nox -s test         the whole verification (engine, base images, examples, pages, site),
                        in parallel, then what needs the machine to itself (harness/suite.py)
    nox -s lint         ruff, shellcheck, hadolint, actionlint
    nox -s base-images  make sure every FROM image of examples/ exists (pull or stand-in)
    nox -s measure      build every example target and write data/measurements.json
    nox -s clean        remove the containers, images, build cache and temporary files it made
    nox -s soak -- N    run the whole suite N times and report what ever failed
    nox -s bench -- N   time the warm suite and one page N times, into test-artifacts/suite-times.jsonl
    nox -s lock         regenerate requirements/*.txt (hash-pinned) from pyproject.toml
    nox -s audit -- [--dockerfile PATH] [--target NAME] [--lang ko|en] [--json]
                 [--fail-on LEVEL] [--run PORT PATH] IMAGE
                        the guide's checks on any image and its Dockerfile (harness/audit.py)
    nox -s exercise -- NAME [--solution] [--lang ko|en]
                        build an exercise of exercises/ and say whether it is solved

Every session runs on the Python that runs nox. Dependencies come from requirements/*.txt,
pinned with hashes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "test"]

LOCKED_GROUPS = ("docs", "audit", "test", "lint")


def install(session: nox.Session, group: str) -> None:
    """The group's pinned requirements, unless this virtual environment got exactly them
    before. pip takes half a second to find everything installed already, and each
    `scripts/nox -s audit` or `-s exercise` paid it again. The record of what was installed
    lives in the environment: a new environment (nox makes one when the Python changes, or
    after `rm -rf .nox`) installs again, and so does a changed requirements file."""
    requirements = Path("requirements") / f"{group}.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    record = Path(session.virtualenv.location) / f"installed-{group}.sha256"
    if record.is_file() and record.read_text() == digest:
        session.log(f"requirements/{group}.txt: installed already ({record.name})")
        return
    session.install("--require-hashes", "-r", str(requirements))
    record.write_text(digest)


def build_site(session: nox.Session) -> None:
    # Korean first: its build empties site/, the English one writes into site/en/. `python -m`
    # from the repository root puts it on sys.path, where the Markdown extension harness.tokens
    # is imported from (the `mkdocs` script would not find it).
    session.run("python", "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml")
    session.run("python", "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.en.yml")


@nox.session
def serve(session: nox.Session) -> None:
    install(session, "docs")
    # Both languages from one address: Korean at the root, English under /en/.
    session.run("python", "-m", "harness.serve", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    install(session, "docs")
    build_site(session)


def engine_and_base_images(session: nox.Session) -> None:
    session.run("bash", "scripts/ensure-docker.sh", external=True)
    # The pages build and run arm64 images: QEMU's emulator through binfmt_misc.
    session.run("bash", "scripts/ensure-arm64.sh", external=True)
    session.run("python", "-m", "harness.base_images")
    # A second engine with the containerd image store, for the pages that depend on the store.
    session.run("bash", "scripts/ensure-containerd-store.sh", external=True)
    session.run("python", "-m", "harness.stores")


def ready_to_test(session: nox.Session) -> None:
    install(session, "test")
    engine_and_base_images(session)
    session.run("bash", "scripts/ensure-browser.sh", external=True)
    # A run that was interrupted or killed may have left containers with fixed names behind.
    session.run("python", "-m", "harness.clean", "--containers")


@nox.session(name="base-images")
def base_images(session: nox.Session) -> None:
    install(session, "test")
    session.run("bash", "scripts/ensure-docker.sh", external=True)
    session.run("python", "-m", "harness.base_images", *session.posargs)


@nox.session
def test(session: nox.Session) -> None:
    ready_to_test(session)
    # The site is built (strictly, both languages) by tests/test_site.py and test_browser.py.
    # In two parts: in parallel, then the tests that need the machine to themselves.
    session.run("python", "-m", "harness.suite", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """nox -s soak -- N [PYTEST ARGS]: the whole suite N times on this checkout."""
    ready_to_test(session)
    session.run("python", "-m", "harness.soak", *(session.posargs or ["5"]))


@nox.session
def bench(session: nox.Session) -> None:
    """nox -s bench -- N: the warm suite and one page, N times, timed (harness.bench)."""
    ready_to_test(session)
    session.run("python", "-m", "harness.bench", *session.posargs)


@nox.session
def lock(session: nox.Session) -> None:
    """Resolve each dependency group of pyproject.toml, for every supported Python, with hashes."""
    session.install("uv==0.13.9")
    common = ["--quiet", "--universal", "--python-version", "3.11.5", "--generate-hashes",
              "--custom-compile-command", "nox -s lock"]
    for group in LOCKED_GROUPS:
        session.run("uv", "pip", "compile", *common, "--group", f"pyproject.toml:{group}",
                    "-o", f"requirements/{group}.txt")
    session.run("uv", "pip", "compile", *common, "requirements/nox.in", "-o", "requirements/nox.txt")


@nox.session
def measure(session: nox.Session) -> None:
    install(session, "test")
    engine_and_base_images(session)
    session.run("python", "-m", "harness.measure", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    install(session, "lint")
    session.run("ruff", "check", ".")
    scripts = [str(p) for p in sorted(__import__("pathlib").Path(".").glob("**/*.sh"))
               if "node_modules" not in p.parts and ".nox" not in p.parts and ".venv" not in p.parts]
    session.run("shellcheck", *scripts, ".ci/run")
    # The examples and the exercises' solutions; the exercises' starting points are wrong on
    # purpose (harness/dockerfiles.py says why) and tests/test_exercises.py checks them instead.
    dockerfiles = session.run("python", "-c",
                              "from harness import dockerfiles as d;"
                              "print('\\n'.join(str(p) for p in d.example_dockerfiles()"
                              " + d.exercise_solutions()))", silent=True).split()
    session.run("hadolint", *dockerfiles)
    # BuildKit's own build checks, which need an engine (the test session makes sure of one).
    session.run("python", "-m", "harness.buildchecks", *dockerfiles)
    session.run("actionlint")


@nox.session
def audit(session: nox.Session) -> None:
    """The audit command from a clone; pipx or uv installs the same as `multistage-audit`."""
    install(session, "audit")
    # scripts/nox runs nox from the repository root: relative paths (--dockerfile) are the
    # caller's, so the audit runs where the caller was, with this repository on its path.
    session.chdir(os.environ.get("NOX_CALLER_DIR", "."))
    session.run("python", "-m", "harness.audit", *session.posargs,
                env={"PYTHONPATH": str(Path(__file__).resolve().parent)})


@nox.session
def clean(session: nox.Session) -> None:
    install(session, "test")
    session.run("python", "-m", "harness.clean")


@nox.session
def exercise(session: nox.Session) -> None:
    """nox -s exercise -- NAME [--solution] [--lang ko|en]: build an exercise of exercises/ and
    say whether it is solved (harness/exercises.py)."""
    install(session, "audit")
    session.run("python", "-m", "harness.exercises", *session.posargs)
