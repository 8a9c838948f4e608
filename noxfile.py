"""Sessions of the verified guide to Docker multi-stage builds.

    nox -s serve        the Korean site, live (nox -s serve -- en for the English one)
    nox -s docs         strict build of both languages into site/
    nox -s test         the whole verification (engine, base images, examples, pages, site)
    nox -s lint         ruff, shellcheck, hadolint, actionlint
    nox -s base-images  make sure every FROM image of examples/ exists (pull or stand-in)
    nox -s measure      build every example target and write data/measurements.json
    nox -s clean        remove the images and containers the harness made
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["lint", "test"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = "3.11"


def install(session: nox.Session, *groups: str) -> None:
    session.install(*nox.project.dependency_groups(PYPROJECT, *groups))


def build_site(session: nox.Session) -> None:
    # Korean first: its build empties site/, the English one writes into site/en/.
    session.run("mkdocs", "build", "--strict", "-f", "mkdocs.yml")
    session.run("mkdocs", "build", "--strict", "-f", "mkdocs.en.yml")


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    install(session, "docs")
    config = "mkdocs.en.yml" if "en" in session.posargs else "mkdocs.yml"
    port = "8001" if config == "mkdocs.en.yml" else "8000"
    session.run("mkdocs", "serve", "-f", config, "-a", f"127.0.0.1:{port}")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    install(session, "docs")
    build_site(session)


def engine_and_base_images(session: nox.Session) -> None:
    session.run("bash", "scripts/ensure-docker.sh", external=True)
    session.run("python", "-m", "harness.base_images")


@nox.session(name="base-images", python=PYTHON)
def base_images(session: nox.Session) -> None:
    install(session, "test")
    session.run("bash", "scripts/ensure-docker.sh", external=True)
    session.run("python", "-m", "harness.base_images", *session.posargs)


@nox.session(python=PYTHON)
def test(session: nox.Session) -> None:
    install(session, "test")
    engine_and_base_images(session)
    session.run("bash", "scripts/ensure-browser.sh", external=True)
    # The site is built (strictly, both languages) by tests/test_site.py and test_browser.py.
    session.run("pytest", *(session.posargs or []))


@nox.session(python=PYTHON)
def measure(session: nox.Session) -> None:
    install(session, "test")
    engine_and_base_images(session)
    session.run("python", "-m", "harness.measure", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    install(session, "lint")
    session.run("ruff", "check", ".")
    scripts = [str(p) for p in sorted(__import__("pathlib").Path(".").glob("**/*.sh"))
               if "node_modules" not in p.parts and ".nox" not in p.parts and ".venv" not in p.parts]
    session.run("shellcheck", *scripts, ".ci/run")
    dockerfiles = session.run("python", "-c",
                              "from harness.dockerfiles import example_dockerfiles as f;"
                              "print('\\n'.join(str(p) for p in f()))", silent=True).split()
    session.run("hadolint", *dockerfiles)
    session.run("actionlint")


@nox.session(python=PYTHON)
def clean(session: nox.Session) -> None:
    install(session, "test")
    session.run("python", "-m", "harness.clean")
