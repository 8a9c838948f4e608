"""examples/python-api: FastAPI + psycopg2 built from source, six stages.

What the page claims and these tests prove:
- every target builds (builder, test, dev, runner) and so do the one-stage baselines;
- the runner serves /health without a database, answers /db with a 503 when none is reachable,
  stops on SIGTERM, runs as a non-root user and carries no compiler, no test tools, no tests;
- `docker build .` (the last stage, runner) never runs the `test` stage: a failing test fails
  `--target test` but not the runner build. The README's CI command builds both;
- `--target test-report --output type=local,dest=DIR` writes only the test run's JUnit report
  and pytest's exit code (junit.xml: tests ran, none failed; exit-code: 0); with a failing test
  it still writes both (the failure in the report, a non-zero exit code) while `--target test`
  fails;
- the runner is small next to the baselines, and a one-line change of app code rebuilds in
  seconds with the pip install step CACHED.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness import claims, contract, elf, images
from harness.dockerfiles import EXAMPLES, parse
from harness.images import (
    HARDENED,
    BuildFailed,
    build,
    buildx,
    client,
    config_user,
    has_path,
    has_program,
    run_output,
    running,
    size,
    start,
    stop,
    tag_for,
    wait_http,
)

EXAMPLE = "python-api"
CONTEXT = EXAMPLES / EXAMPLE
TARGETS = ["builder", "test", "dev", "runner"]
BASELINES = ["Dockerfile.single", "Dockerfile.single-slim"]
MB = 10**6
PIP_INSTALL = "pip install --prefix=/install"
# Inside the container nothing listens on 5432: libpq is refused at once.
NO_DATABASE = {"DATABASE_URL": "postgresql://app:secret@127.0.0.1:5432/app"}


def step_states(log: str, text: str) -> list[str]:
    """How BuildKit finished each step whose header contains `text`: CACHED, DONE or ERROR.

    In plain progress output a step is a header line `#7 [stage 2/3] RUN ...` and, further on,
    a line `#7 CACHED`, `#7 DONE 1.2s` or `#7 ERROR ...` with the same number.
    """
    numbers = [m.group(1) for m in re.finditer(r"^#(\d+) \[[^\]]+\] (.*)$", log, re.M) if text in m.group(2)]
    states = []
    for number in dict.fromkeys(numbers):
        found = re.findall(rf"^#{number} (CACHED|DONE|ERROR)\b", log, re.M)
        states.append(found[-1] if found else "UNKNOWN")
    return states


def copy_example(destination: Path) -> Path:
    return Path(
        shutil.copytree(
            CONTEXT,
            destination / EXAMPLE,
            ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", ".coverage"),
        )
    )


# Every runtime image must pass the same runner tests: the default and the smallest, FROM scratch.
SHIPPED = ["runner", "runner-minimal"]


@pytest.fixture(scope="module", params=SHIPPED)
def runner(request: pytest.FixtureRequest) -> str:
    return build(EXAMPLE, request.param).tag


@pytest.fixture(scope="module")
def sizes() -> dict[str, int]:
    found = {target: size(build(EXAMPLE, target).tag) for target in ("runner", "runner-minimal", "builder")}
    for dockerfile in BASELINES:
        found[dockerfile] = size(build(EXAMPLE, None, dockerfile=dockerfile).tag)
    print("\npython-api sizes (MB): " + ", ".join(f"{k} {v / MB:.1f}" for k, v in found.items()))
    return found


# --- the Dockerfile ------------------------------------------------------------------------


def test_stages_and_their_order() -> None:
    stages = parse(CONTEXT / "Dockerfile")
    assert [s.name for s in stages] == ["base", "builder", "test-run", "test", "test-report", "dev",
                                        "trimmed", "rootfs", "runner-minimal", "runner"]
    by_name = {s.name: s for s in stages}
    assert by_name["base"].base == "python:3.13-slim"
    assert by_name["test-run"].base == "builder"
    assert by_name["test"].base == "test-run"
    # The report stage holds nothing but what it copies from `test-run`, which never fails.
    assert by_name["test-report"].base == "scratch"
    assert by_name["test-report"].copies_from() == ["test-run"]
    # The runner is the last stage (`docker build .`) and reads nothing from `test`.
    runner = stages[-1]
    assert runner.name == "runner" and runner.base == "base"
    assert runner.copies_from() == ["builder"]
    text = (CONTEXT / "Dockerfile").read_text()
    for section in ("builder", "test", "test-report", "runner"):
        assert f"# --8<-- [start:{section}]" in text and f"# --8<-- [end:{section}]" in text


def test_readmes_document_the_ci_command() -> None:
    command = "docker build --target test -t python-api:test . && docker build -t python-api ."
    export = "docker build --target test-report --output type=local,dest=reports ."
    for readme in ("README.md", "README.en.md"):
        text = (CONTEXT / readme).read_text()
        assert command in text, readme
        assert export in text, readme


# --- every target and the baselines build --------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_target_builds(target: str) -> None:
    result = build(EXAMPLE, target)
    assert result.tag == tag_for(EXAMPLE, target)
    assert size(result.tag) > 0


@pytest.mark.parametrize("dockerfile", BASELINES)
def test_baseline_builds(dockerfile: str) -> None:
    result = build(EXAMPLE, None, dockerfile=dockerfile)
    assert size(result.tag) > 0
    # Written as a newcomer would: one stage, root, compiler kept.
    assert len(parse(CONTEXT / dockerfile)) == 1
    assert config_user(result.tag) == ""
    assert has_program(result.tag, "gcc")


def test_test_stage_ran_the_suite_with_coverage() -> None:
    result = build(EXAMPLE, "test")
    assert step_states(result.log, "pytest --cov=app"), "no pytest step in the test target"


# --- the runner -----------------------------------------------------------------------------


def test_runner_answers_health_and_db_and_stops_on_sigterm(runner: str) -> None:
    """One server's life: it answers, reports the database it cannot reach without leaking the
    URL's password, and stops on SIGTERM (gunicorn is PID 1) before Docker's SIGKILL."""
    with running(runner, 8000, environment=NO_DATABASE) as (container, url):
        status, body = wait_http(f"{url}/health", timeout=20)
        assert status == 200
        assert json.loads(body) == {"status": "ok"}
        status, body = wait_http(f"{url}/db", timeout=20)
        assert status == 503
        answer = json.loads(body)
        assert answer["status"] == "unavailable"
        assert answer["error"] == "OperationalError"
        assert "secret" not in body.decode()
        seconds, exit_code = stop(container, timeout=10)
    assert exit_code != 137, "gunicorn ignored SIGTERM and was killed"
    assert seconds < 10
    print(f"\npython-api runner stopped in {seconds:.2f} s, exit code {exit_code}")


def test_runner_db_without_database_url(runner: str) -> None:
    """No DATABASE_URL: the default host `db` does not resolve, still a 503 within the timeout."""
    with running(runner, 8000) as (_, url):
        wait_http(f"{url}/health", timeout=20)
        status, body = wait_http(f"{url}/db", timeout=10)
        assert status == 503 and json.loads(body)["status"] == "unavailable"


def test_runner_is_not_root(runner: str) -> None:
    assert config_user(runner) == "10001:10001"
    # Python reports the uid itself: runner-minimal has no `id`.
    code, output = run_output(runner, "python", "-c", "import os; print(os.getuid())")
    assert (code, output.strip()) == (0, "10001")


def test_runner_cannot_change_its_own_files(runner: str) -> None:
    """Everything under /app belongs to root, and the runtime user can write none of it."""
    assert images.changeable_by_user(runner, "/app") == ""


def test_runner_answers_with_a_read_only_root_filesystem(runner: str) -> None:
    """docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges, no tmpfs:
    gunicorn keeps its worker heartbeat files in /dev/shm (--worker-tmp-dir)."""
    with running(runner, 8000, environment=NO_DATABASE, **HARDENED) as (container, url):
        status, body = wait_http(f"{url}/health", timeout=20)
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, body = wait_http(f"{url}/db", timeout=20)
        assert status == 503 and json.loads(body)["error"] == "OperationalError"
        seconds, exit_code = stop(container, timeout=10)
    assert exit_code != 137 and seconds < 10


def test_gunicorn_needs_a_writable_temporary_directory(runner: str) -> None:
    """Why --worker-tmp-dir /dev/shm: without it, under --read-only, gunicorn cannot start."""
    command = ["gunicorn", "app.main:app", "--worker-class", "uvicorn_worker.UvicornWorker"]
    container = start(runner, command, **HARDENED)
    try:
        assert container.wait(timeout=30)["StatusCode"] != 0
        assert "No usable temporary directory" in container.logs().decode(errors="replace")
    finally:
        container.remove(force=True)


@pytest.mark.parametrize("program", ["gcc", "cc", "make", "pytest", "pg_config"])
def test_runner_has_no_build_or_test_tools(runner: str, program: str) -> None:
    assert not has_program(runner, program)


def test_runner_has_no_tests_or_dev_packages(runner: str) -> None:
    assert not has_path(runner, "/app/tests")
    assert not has_path(runner, "/app/requirements-dev.txt")
    code, _ = run_output(runner, "python", "-c", "import pytest")
    assert code != 0


def test_runner_imports_psycopg2_against_libpq(runner: str) -> None:
    code, output = run_output(runner, "python", "-c", "import psycopg2; print(psycopg2.__libpq_version__)")
    assert code == 0, output
    assert int(output.strip()) > 0


# --- builder and dev ------------------------------------------------------------------------


def test_builder_has_the_compiler_and_libpq_headers() -> None:
    tag = build(EXAMPLE, "builder").tag
    assert has_program(tag, "gcc")
    assert has_program(tag, "pg_config")
    assert has_path(tag, "/install/lib/python3.13/site-packages/psycopg2")


@pytest.mark.parametrize("program", ["uvicorn", "pytest", "ruff"])
def test_dev_has_its_tools(program: str) -> None:
    assert has_program(build(EXAMPLE, "dev").tag, program)


def test_dev_runs_uvicorn_with_reload() -> None:
    tag = build(EXAMPLE, "dev").tag
    command = client().images.get(tag).attrs["Config"]["Cmd"]
    assert command[0] == "uvicorn" and "--reload" in command
    code, output = run_output(tag, "python", "-c", "import psycopg2")
    assert code == 0, output


# --- the trap: `docker build .` skips the test stage ----------------------------------------


@pytest.fixture(scope="module")
def broken_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example with one failing test added."""
    copy = copy_example(tmp_path_factory.mktemp("trap"))
    (copy / "tests" / "test_trap.py").write_text(
        "def test_that_fails():\n    assert 1 + 1 == 3, 'deliberately broken'\n"
    )
    return copy


def test_failing_test_fails_the_test_target(broken_copy: Path) -> None:
    with pytest.raises(BuildFailed) as failure:
        buildx(broken_copy, target="test", tag=tag_for(EXAMPLE, "trap-test"))
    assert "test_that_fails" in failure.value.output
    assert "1 failed" in failure.value.output


def test_failing_test_does_not_stop_the_runner_build(broken_copy: Path) -> None:
    """`docker build .` builds the last stage and only what it needs: the tests never run."""
    result = buildx(broken_copy, tag=tag_for(EXAMPLE, "trap-runner"))  # no --target: runner
    assert not result.ran("pytest")
    assert step_states(result.log, "pytest") == []
    assert config_user(result.tag) == config_user(build(EXAMPLE, "runner").tag)


# --- the JUnit report out of the test stage ------------------------------------------------


def export_report(context: Path, destination: Path) -> None:
    """docker build --target test-report --output type=local,dest=DESTINATION CONTEXT"""
    buildx(context, target="test-report", load=False, extra=["--output", f"type=local,dest={destination}"])


def test_test_report_exports_only_the_junit_report(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    export_report(CONTEXT, reports)
    assert sorted(p.relative_to(reports).as_posix() for p in reports.rglob("*")) == ["exit-code", "junit.xml"]
    assert (reports / "exit-code").read_text().strip() == "0"
    root = ET.parse(reports / "junit.xml").getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    assert suites, f"no <testsuite> in the report: <{root.tag}>"
    tests = sum(int(suite.get("tests", "0")) for suite in suites)
    assert tests > 0, "the report says no test ran"
    assert len(list(root.iter("testcase"))) == tests
    for suite in suites:
        assert (suite.get("failures"), suite.get("errors")) == ("0", "0")


def test_failing_test_still_exports_its_report_and_exit_code(broken_copy: Path, tmp_path: Path) -> None:
    """test-run records pytest's exit code instead of failing, so a red run has a report for CI
    to keep; CI then fails the job on the exit code (test_failing_test_fails_the_test_target
    shows that `--target test` still fails)."""
    reports = tmp_path / "reports"
    export_report(broken_copy, reports)
    assert sorted(p.name for p in reports.iterdir()) == ["exit-code", "junit.xml"]
    assert (reports / "exit-code").read_text().strip() == "1"
    root = ET.parse(reports / "junit.xml").getroot()
    failed = [case.get("name") for case in root.iter("testcase") if case.find("failure") is not None]
    assert failed == ["test_that_fails"]


# --- sizes and rebuilds ---------------------------------------------------------------------


def test_runner_size_floor(sizes: dict[str, int]) -> None:
    assert sizes["runner"] <= 160 * MB
    assert sizes["runner-minimal"] <= 90 * MB


def test_runner_against_baselines(sizes: dict[str, int]) -> None:
    assert sizes["Dockerfile.single"] / sizes["runner"] >= 5
    assert sizes["Dockerfile.single-slim"] / sizes["runner"] >= 2


@pytest.mark.alone  # a build time: measured with the machine to itself
def test_app_change_rebuilds_fast_with_pip_cached(tmp_path: Path) -> None:
    copy = copy_example(tmp_path)
    tag = tag_for(EXAMPLE, "rebuild")
    buildx(copy, target="runner", tag=tag)  # warm: the copy's layers are in the cache
    main = copy / "app" / "main.py"
    text = main.read_text()
    line = 'app = FastAPI(title="python-api", version="1.0.0")'
    assert line in text
    # A new line every run: BuildKit's cache is keyed on content, so a fixed edit would hit it.
    main.write_text(text.replace(line, f"{line}  # edit {uuid.uuid4().hex}"))
    result = buildx(copy, target="runner", tag=tag)
    print(f"\npython-api rebuild after a one-line app change: {result.seconds:.2f} s")
    assert step_states(result.log, PIP_INSTALL) == ["CACHED"]
    assert step_states(result.log, "COPY app/ app/") == ["DONE"]
    assert result.seconds <= 10


@pytest.mark.parametrize("point", contract.POINTS)
def test_runner_meets_the_runtime_contract(runner: str, point: str) -> None:
    """Outbound TLS against the image's CA bundle, the Asia/Seoul time zone, a user name for
    UID 10001, and a request in flight that `docker stop` lets finish (harness.contract)."""
    assert contract.check_points(runner, "python", 8000)[point] is None


def test_minimal_runner_programs_find_everything_they_load() -> None:
    """Every ELF file of runner-minimal: its interpreter and libraries are in the image (harness.elf)."""
    assert elf.problems(build(EXAMPLE, "runner-minimal").tag, "x86-64") == []


# --- arm64 -----------------------------------------------------------------------------------
# Built on the engine with the containerd image store, where python:3.13-slim exists for arm64
# (harness.stores cross-compiles its CPython), then copied to the first engine and run there
# under QEMU. That engine sets up no NAT for its containers: pip reaches PyPI from the host's
# network. Its builder compiles psycopg2 under QEMU, with the arm64 compiler and libpq-dev.
ARM64 = "linux/arm64"


@pytest.fixture(scope="module")
def arm64_minimal() -> str:
    tag = tag_for(EXAMPLE, "runner-minimal-arm64")
    buildx(CONTEXT, target="runner-minimal", tag=tag, extra=["--platform", ARM64, "--network=host"],
           engine="containerd")
    return images.from_containerd_store(tag, ARM64)


def test_arm64_minimal_runner_holds_arm64_programs_with_their_loader_and_libraries(arm64_minimal: str):
    """The ldd filter of rootfs copied arm64's loader, /lib/ld-linux-aarch64.so.1, and every
    library psycopg2 and CPython's extension modules load, built for aarch64."""
    assert elf.problems(arm64_minimal, "aarch64") == []
    assert has_path(arm64_minimal, "/lib/ld-linux-aarch64.so.1")


def test_arm64_minimal_runner_imports_psycopg2_built_for_arm64(arm64_minimal: str) -> None:
    script = "import platform, psycopg2; print(platform.machine(), psycopg2.__libpq_version__)"
    code, output = run_output(arm64_minimal, "python", "-c", script)
    assert code == 0 and output.split()[0] == "aarch64", output


@pytest.fixture(scope="module")
def arm64_checks(arm64_minimal: str) -> tuple[dict, str | None]:
    """The contract and the read-only answer under QEMU, started together (claims.contract_and_readonly)."""
    return claims.contract_and_readonly(arm64_minimal, "python", 8000)


# Not `alone`: under QEMU 10 (scripts/ensure-arm64.sh) both arm64 contracts held, the drain
# too, seven runs of seven with both cores kept busy; under Debian 12's QEMU 7.2 the drain needed
# the machine to itself.
@pytest.mark.parametrize("point", contract.POINTS)
def test_arm64_minimal_runner_meets_the_runtime_contract(arm64_checks, point: str) -> None:
    assert arm64_checks[0][point] is None


def test_arm64_minimal_runner_answers_with_a_read_only_root_filesystem(arm64_checks) -> None:
    """The `readonly` claim the page makes for the amd64 image, on arm64 under QEMU."""
    assert arm64_checks[1] is None
