"""examples/python-uv: python-api's service packaged with uv instead of `pip install --prefix`.

What the page claims and these tests prove:
- uv comes from its own image (`COPY --from=ghcr.io/astral-sh/uv:...`) into the builder only;
- `uv sync --locked --no-dev` installs exactly uv.lock: the versions in the runner's virtual
  environment are the lock's, with no dev group (pytest, ruff) and no uv;
- the environment's bytecode was compiled at build time;
- the runner passes python-api's runner checks: /health, a 503 from /db without a database,
  SIGTERM, UID 10001 with read-only app files, a read-only root filesystem, no build tools;
- a one-line app change rebuilds with the `uv sync` step cached.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
import uuid
from pathlib import Path

import pytest

from harness import contract, images
from harness.dockerfiles import EXAMPLES
from harness.images import HARDENED

EXAMPLE = "python-uv"
CONTEXT = EXAMPLES / EXAMPLE
NO_DATABASE = {"DATABASE_URL": "postgresql://app:secret@127.0.0.1:5432/app"}
UV_SYNC = "uv sync --locked --no-dev"


@pytest.fixture(scope="module")
def runner() -> str:
    return images.build(EXAMPLE, "runner").tag


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them: pydantic_core is pydantic-core."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((CONTEXT / "uv.lock").read_text())
    return {normalized(p["name"]): p["version"] for p in lock["package"] if "version" in p}


def test_runner_has_exactly_the_locked_runtime_packages(runner):
    code, output = images.run_output(runner, "python", "-c", "import importlib.metadata as m, json; "
                                     "print(json.dumps({d.name: d.version for d in m.distributions()}))")
    assert code == 0, output
    installed = {normalized(name): version for name, version in json.loads(output).items()}
    locked = locked_versions()
    assert installed, "no package in the runner's environment"
    assert {name: locked.get(name) for name in installed} == installed
    assert not {"pytest", "ruff", "httpx", "uv", "pip"} & installed.keys()


def test_runner_bytecode_was_compiled_at_build_time(runner):
    assert images.has_path(runner, "/app/.venv/lib/python3.13/site-packages/fastapi/__pycache__")
    assert images.has_path(runner, "/app/app/__pycache__")


def test_runner_health_db_and_sigterm(runner):
    with images.running(runner, 8000, environment=NO_DATABASE) as (container, url):
        status, body = images.wait_http(f"{url}/health", timeout=20)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = images.wait_http(f"{url}/db", timeout=20)
        assert status == 503 and json.loads(body)["error"] == "OperationalError"
        seconds, code = images.stop(container, timeout=10)
    assert code != 137 and seconds < 10


def test_runner_answers_with_a_read_only_root_filesystem(runner):
    with images.running(runner, 8000, environment=NO_DATABASE, **HARDENED) as (container, url):
        status, _ = images.wait_http(f"{url}/health", timeout=20)
        assert status == 200
        seconds, code = images.stop(container, timeout=10)
    assert code != 137 and seconds < 10


def test_runner_user_and_files(runner):
    assert images.config_user(runner) == "10001:10001"
    assert images.changeable_by_user(runner, "/app") == ""


@pytest.mark.parametrize("program", ["gcc", "make", "pg_config", "uv", "pytest"])
def test_runner_has_no_build_or_test_tools(runner, program):
    assert not images.has_program(runner, program)


def test_builder_got_uv_from_its_image():
    tag = images.build(EXAMPLE, "builder").tag
    code, output = images.run_output(tag, "uv", "--version")
    pinned = re.search(r"ghcr.io/astral-sh/uv:([\d.]+)", (CONTEXT / "Dockerfile").read_text()).group(1)
    assert (code, output.split()[:2]) == (0, ["uv", pinned])


@pytest.mark.alone  # a build time: measured with the machine to itself
def test_app_change_rebuilds_with_uv_sync_cached(tmp_path: Path, runner):
    copy = Path(shutil.copytree(CONTEXT, tmp_path / EXAMPLE,
                                ignore=shutil.ignore_patterns("__pycache__", ".venv")))
    tag = images.tag_for(EXAMPLE, "rebuild")
    images.buildx(copy, target="runner", tag=tag)
    main = copy / "app" / "main.py"
    main.write_text(main.read_text() + f"# edit {uuid.uuid4().hex}\n")
    result = images.buildx(copy, target="runner", tag=tag)
    assert re.search(r"^#\d+ \[builder .*\] RUN .*uv sync", result.log, re.M), "no uv sync step"
    assert not result.ran("uv sync"), "uv sync ran again after an app-only change"
    assert result.seconds <= 10


@pytest.mark.parametrize("point", contract.POINTS)
def test_runner_meets_the_runtime_contract(runner: str, point: str) -> None:
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone, a user name for
    UID 10001, and a request in flight that `docker stop` lets finish (harness.contract)."""
    assert contract.check_points(runner, "python", 8000)[point] is None
