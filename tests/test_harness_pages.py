"""The harness itself: every parser and claim passes where it should and fails, with a
message naming page:line and the measured value, where it should not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _pytest.outcomes import Skipped

from harness import buildx, claims, images
from harness.dockerfiles import REPO
from harness.pages import SharedRuns, make_sybil, may_build, may_start_containers

FIXTURES = REPO / "tests" / "fixtures"
PAGES = FIXTURES / "pages"


def evaluate_page(name: str) -> list[str]:
    """Evaluate every example of a fixture page in order; return the skip reasons seen."""
    sybil = make_sybil(str(PAGES))
    document = sybil.parse(PAGES / name)
    skipped = []
    for example in document.examples():
        try:
            example.evaluate()
        except Skipped as skip:
            skipped.append(str(skip))
    return skipped


def failure(name: str) -> str:
    with pytest.raises(AssertionError) as raised:
        evaluate_page(name)
    return str(raised.value)


@pytest.fixture(scope="module")
def fixture_images():
    for target in ("builder", "runner", "server", "server-writable", "scratch-writable"):
        images.buildx(FIXTURES / "tiny", target=target, tag=f"guide/fixture:{target}")


def test_console_commands_run_and_match_with_wildcards():
    skipped = evaluate_page("console.md")
    assert skipped == ["tests/fixtures/pages/console.md:18: pushing needs a registry, and none answers here"]


def test_a_failing_command_names_page_line_command_and_output():
    message = failure("console_exit.md")
    assert "tests/fixtures/pages/console_exit.md:6: `echo 'to stderr' >&2; exit 3` exited 3" in message
    assert "to stderr" in message


def test_wrong_expected_output_fails_with_both_outputs():
    message = failure("console_output.md")
    assert "console_output.md:4: the output of `echo hello` differs from the page" in message
    assert "expected:\ngoodbye\ngot:\nhello" in message


def test_a_command_past_its_timeout_fails():
    assert "console_timeout.md:5: `sleep 5` did not finish in 1 s" in failure("console_timeout.md")


def test_the_harness_builds_with_buildx_by_itself_as_docker_buildx_builds():
    """images.buildx runs buildx's own program (harness.buildx), which starts it once rather
    than twice: the image is the one `docker buildx build` makes, and a failure names the
    command as a reader types it."""
    program = buildx.program()
    assert len(program) == 1 and Path(program[0]).name == "docker-buildx", program
    context = REPO / "tests" / "fixtures" / "tiny"
    built = images.buildx(context, target="builder", tag="guide/buildx-cli:standalone")
    with images.build_lock():
        subprocess.run(["docker", "buildx", "build", "--load", "--label", f"{images.BUILT_BY}=harness",
                        "--target", "builder", "-t", "guide/buildx-cli:plugin", str(context)],
                       check=True, capture_output=True)
    assert images.image_id(built.tag) == images.image_id("guide/buildx-cli:plugin")
    with pytest.raises(images.BuildFailed, match=r"build failed: docker buildx build .*--target missing"):
        images.buildx(context, target="missing", load=False)


def test_a_commands_timeout_does_not_count_the_wait_for_the_build_lock(tmp_path, monkeypatch):
    """Another build holds the lock for longer than the block's timeout: the command waits for
    it, then runs within its timeout. On a new machine a first arm64 build held the lock for 17
    minutes, and page commands that waited for it failed as too slow."""
    monkeypatch.setattr(images, "LOCK", tmp_path / "build.lock")
    images.LOCK.touch()
    holder = subprocess.Popen(["flock", str(images.LOCK), "sleep", "3"])
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["flock", "-n", str(images.LOCK), "true"]).returncode == 0:
            assert time.monotonic() < deadline, "the holder never took the lock"
            time.sleep(0.05)
        page = tmp_path / "page.md"
        page.write_text("<!-- run: timeout=2 -->\n```console\n$ echo build; sleep 1\nbuild\n```\n")
        started = time.monotonic()
        for example in make_sybil(str(tmp_path)).parse(page).examples():
            example.evaluate()
        assert time.monotonic() - started >= 3  # it did wait for the holder
    finally:
        holder.kill()
        holder.wait()


def test_included_and_fragment_listings_pass():
    assert evaluate_page("dockerfile.md") == []


@pytest.mark.parametrize(("page", "expected"), [
    ("dockerfile_pasted.md", "dockerfile_pasted.md:3: a Dockerfile pasted into the page"),
    ("dockerfile_section.md", "tests/fixtures/tiny/Dockerfile has no section 'nowhere'"),
    ("dockerfile_missing.md", "the included file examples/nowhere/Dockerfile does not exist"),
    ("dockerfile_broken.md", "dockerfile_broken.md:4: the fragment does not parse"),
])
def test_bad_listings_fail(page, expected):
    assert expected in failure(page)


def test_true_claims_hold(fixture_images):
    assert evaluate_page("claims.md") == []


@pytest.mark.parametrize(("claim", "measured"), [
    ("size guide/fixture:runner < 1MB", "measured 7"),
    ("ratio guide/fixture:runner / guide/fixture:builder >= 5", "measured 1.0"),
    ("user guide/fixture:builder not root", "runs as root (uid 0)"),
    ("user guide/fixture:runner is root", "runs as app (uid 10001)"),
    ("absent guide/fixture:runner bash /app/artifact", "present: bash, /app/artifact"),
    ("present guide/fixture:runner gcc /tested", "absent: gcc, /tested"),
    ("label guide/fixture:runner org.example.kind=other", "label org.example.kind is 'fixture'"),
    ("layers guide/fixture:runner < 2", "measured 3 layers"),
    ("packages guide/fixture:runner < 10", "Debian packages"),
    ("history guide/fixture:runner contains s3cr3t", "does not show 's3cr3t'"),
    ("history guide/fixture:runner lacks useradd", "shows 'useradd'"),
    ("build tests/fixtures/tiny target=runner runs test", "missing ['test']"),
    ("build tests/fixtures/tiny target=test skips builder", "ran ['builder']"),
    ("size guide/fixture:missing < 1MB", "no image guide/fixture:missing"),
    # The server writes /tmp/started at start: under --read-only without a tmpfs it stops.
    ("readonly guide/fixture:server 8080 /", "Read-only file system"),
    ("readonly guide/fixture:server-writable 8080 / tmpfs=/tmp", "uid 10001 can write in /app"),
    ("readonly guide/fixture:runner 8080 /", "USER is 'app', not a numeric non-root UID"),
    ("readonly guide/fixture:builder 8080 /", "USER is 'unset (root)'"),
])
def test_false_claims_report_what_was_measured(fixture_images, claim, measured):
    result = claims.check(claim)
    assert result is not None and measured in result, result


def test_a_false_claim_on_a_page_names_page_line(fixture_images, tmp_path):
    page = PAGES / "claims.md"
    text = page.read_text().replace("size guide/fixture:runner < 200MB", "size guide/fixture:runner < 2MB")
    broken = tmp_path / "claims_false.md"
    broken.write_text(text)
    sybil = make_sybil(str(tmp_path))
    with pytest.raises(AssertionError) as raised:
        for example in sybil.parse(broken).examples():
            example.evaluate()
    assert f"{broken}:9: claim `size guide/fixture:runner < 2MB` is false: measured" in str(raised.value)


def test_an_image_without_a_shell_is_checked_from_its_files(fixture_images):
    """FROM scratch has no find and no sh: owners and modes come from the image's export."""
    tag = "guide/fixture:scratch-writable"
    assert not images.has_shell(tag)
    assert images.changeable_by_user(tag, "/app").split() == ["/app/owned", "/app/world-writable"]
    assert images.has_path(tag, "/app/fine") and not images.has_program(tag, "sh")
    assert "uid 10001 can write in /app" in claims.check(f"readonly {tag} 8080 /")


def test_elf_claims_read_the_header(tmp_path):
    """The interpreter running this test is a dynamically linked executable of this machine."""
    python = os.path.realpath(sys.executable)
    machine, interpreted = claims.elf_header(Path(python).read_bytes())
    assert interpreted and machine in claims.ELF_MACHINES
    assert claims.check_elf(python, machine) is None
    other = "aarch64" if machine != "aarch64" else "x86-64"
    assert claims.check_elf(python, other) == f"{python} is built for {machine}"
    assert "dynamically linked" in claims.check_elf(python, machine, "static")
    assert claims.check_elf("README.md", machine) == "README.md is not an ELF executable"
    assert claims.check_elf("nothing/here", machine).startswith("no file nothing/here")


@pytest.mark.parametrize("claim", ["weight guide/fixture:runner < 1MB", "size guide/fixture:runner",
                                   "ratio a b >= 1", "build tests/fixtures/tiny flies",
                                   "readonly guide/fixture:server http /",
                                   "readonly guide/fixture:server 8080 / cache=/tmp",
                                   "elf README.md sparc", "elf README.md x86-64 dynamic"])
def test_malformed_claims_are_errors(claim):
    with pytest.raises(claims.ClaimError):
        claims.check(claim)


@pytest.mark.parametrize(("page", "expected"), [
    ("bad/run_no_equals.md", "bad/run_no_equals.md:3: `cwd` in the run directive has no `=`; "
                             "write <!-- run: cwd=DIR timeout=SECONDS engine=containerd -->"),
    ("bad/run_engine.md", "bad/run_engine.md:3: engine=podman is not an engine of the suite; write"),
    ("bad/run_timeout.md", "bad/run_timeout.md:3: timeout=soon is not a number of seconds; write"),
    ("bad/run_outside.md", "bad/run_outside.md:3: cwd=../../../.. is outside the repository; write"),
    ("bad/run_option.md", "bad/run_option.md:3: unknown run option `retries`; write"),
    ("bad/claim_kind.md", "bad/claim_kind.md:3: claim `weight guide/fixture:runner < 1MB`: unknown claim "
                          "kind `weight`; the kinds are: `size IMAGE < 160MB`;"),
    ("bad/claim_unbuilt.md", "bad/claim_unbuilt.md:3: claim `size never-built:runner < 1MB`: it names "
                             "never-built:runner, which no command above it on this page builds; build it"),
    ("bad/claim_arguments.md", "bad/claim_arguments.md:7: claim `size guide/fixture:runner`: wrong arguments "
                               "for `size`; write `size IMAGE < 160MB`"),
    ("bad/unclosed_fence.md", "bad/unclosed_fence.md:5: the code block opened here with ``` is never closed; "
                              "end it with a line of ```"),
    ("bad/console_no_dollar.md", "bad/console_no_dollar.md:3: a console block must start with a "
                                 "`$ ` command, and line 4 is not one: put `$ ` before the command"),
])
def test_bad_page_input_names_page_line_and_what_to_write(page, expected):
    message = failure(page)
    assert expected in message, message
    assert "Traceback" not in message and 'File "' not in message


def test_a_bad_page_fails_in_pytest_without_a_traceback(tmp_path):
    """Through pytest itself, as a reader runs it: the report is page:line and advice only."""
    import subprocess
    import sys

    (tmp_path / "conftest.py").write_text(
        "from harness.pages import make_sybil\n"
        f"pytest_collect_file = make_sybil({str(tmp_path)!r}).pytest()\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text((PAGES / "bad" / "run_option.md").read_text())
    result = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                             "-c", "/dev/null", "--rootdir", str(tmp_path), "--confcutdir", str(tmp_path),
                             str(tmp_path)],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 1, result.stdout
    assert "docs/page.md:3: unknown run option `retries`" in result.stdout
    assert "Traceback" not in result.stdout and "harness/pages.py" not in result.stdout, result.stdout


def test_readonly_holds_only_with_the_tmpfs_the_server_writes_to(fixture_images):
    assert claims.check("readonly guide/fixture:server 8080 / tmpfs=/tmp") is None
    assert "Read-only file system" in claims.check("readonly guide/fixture:server 8080 / tmpfs=/var/tmp")


def shared_pages(tmp_path, *texts: str) -> list[str]:
    """Write each text as a page and evaluate them in order with one SharedRuns, as the suite
    evaluates a page and its translation; return each page's failure, or "" if it passed."""
    shared = SharedRuns()
    sybil = make_sybil(str(tmp_path), shared=shared)
    failures = []
    for number, text in enumerate(texts):
        page = tmp_path / f"page{number}.md"
        page.write_text(text)
        document = sybil.parse(page)
        sybil.setup(document.namespace)  # as Sybil's pytest integration does before a page
        try:
            for example in document.examples():
                example.evaluate()
            failures.append("")
        except AssertionError as error:
            failures.append(str(error))
    return failures


def counting_page(counter: Path, expected: str, prose: str = "", extra: str = "") -> str:
    return (f"{prose}\n\n```console\n$ echo run >> {counter}; wc -l < {counter}\n{expected}\n{extra}```\n")


def test_pages_with_the_same_sequence_run_once_and_each_is_checked(tmp_path):
    counter = tmp_path / "runs"
    korean, english = counting_page(counter, "1", "한 번"), counting_page(counter, "1", "once")
    assert shared_pages(tmp_path, korean, english) == ["", ""]
    assert counter.read_text() == "run\n"  # the second page compared with the first one's run
    # Its expected output is still checked against that run, and a failure names who ran it.
    counter.unlink()
    failures = shared_pages(tmp_path, korean, counting_page(counter, "2", "twice"))
    assert failures[0] == ""
    assert f"page1.md:4 (run by {tmp_path}/page0.md:3): the output of" in failures[1]
    assert "expected:\n2\ngot:\n1" in failures[1]


def test_pages_whose_sequences_differ_run_their_own_commands(tmp_path):
    counter = tmp_path / "runs"
    other = counting_page(counter, "2", extra="$ true\n")
    assert shared_pages(tmp_path, counting_page(counter, "1"), other) == ["", ""]
    assert counter.read_text() == "run\nrun\n"


def test_a_recorded_failure_fails_the_other_page_too(tmp_path):
    failing = "```console\n$ echo broken >&2; exit 4\n$ echo never\n```\n"
    first, second = shared_pages(tmp_path, failing, failing)
    assert "page0.md:2: `echo broken >&2; exit 4` exited 4" in first
    assert f"page1.md:2 (run by {tmp_path}/page0.md:1): `echo broken >&2; exit 4` exited 4" in second


def test_a_claim_is_checked_once_and_reported_on_both_pages(tmp_path, monkeypatch):
    checked = []
    monkeypatch.setattr(claims, "check", lambda claim: checked.append(claim) or "measured 3 MB")
    monkeypatch.setattr(claims, "images_named", lambda claim: [])  # no build before it needed
    page = "<!-- claim: size guide/fixture:runner < 1MB -->\n"
    first, second = shared_pages(tmp_path, page, page)
    assert checked == ["size guide/fixture:runner < 1MB"]
    assert "page0.md:1: claim `size guide/fixture:runner < 1MB` is false: measured 3 MB" in first
    assert "page1.md:1: claim `size guide/fixture:runner < 1MB` is false: measured 3 MB" in second


@pytest.mark.parametrize(("command", "builds"), [
    ("docker build -t basic:runner examples/basic", True),
    ("docker buildx build --platform linux/arm64 -t go-static:arm64 .", True),
    ("docker buildx bake --print", True),
    ("docker compose up --build -d", True),
    ("scripts/nox -s exercise -- cache-order", True),
    ("{ docker image ls; docker build -q . ; }", True),
    ("docker run --rm basic:runner", False),
    ("docker buildx history ls --filter status=error", False),
    ("curl -fsS http://127.0.0.1:8080/health", False),
])
def test_only_a_command_that_may_build_takes_the_build_lock(command, builds):
    """A page's command waits for the build lock only when it may build: a test worker's build
    need not wait while a page runs a container."""
    assert may_build(command) is builds


@pytest.mark.parametrize(("command", "starts"), [
    ("docker run --rm basic:runner", True),
    ("docker container create --name probe basic:runner", True),
    ("docker start -a probe", True),
    ("docker compose up --build -d", True),
    ("scripts/nox -s exercise -- cache-order", True),
    ("bash ./hello.sh", True),
    ("docker build -t basic:runner examples/basic", False),
    ("docker inspect -f '{{.State.Health.Status}}' go-static-page", False),
    ("docker stop python-api-dev && docker rm python-api-dev", False),
    ("curl -fsS http://127.0.0.1:8080/health", False),
])
def test_only_a_command_that_may_start_a_container_is_watched_for_them(command, starts):
    """Listing the engine's containers before and after every command cost a page 13 ms of
    CPU a command; the list is taken only where a container may start."""
    assert may_start_containers(command) is starts


def test_a_page_claims_the_containers_its_command_started_but_not_a_tests():
    """While a page's command runs, a test on another worker may start a container of the same
    image: the page's teardown must not remove it (images.start labels the harness's own)."""
    import subprocess

    from harness.pages import started_by
    from harness.session import containers

    before = containers()
    tests_own = images.start("debian:trixie-slim", ["sleep", "60"])
    pages_own = subprocess.run(["docker", "run", "-d", "debian:trixie-slim", "sleep", "60"],
                               capture_output=True, text=True, check=True).stdout.strip()
    try:
        assert started_by("docker run -d debian:trixie-slim sleep 60", before) == [pages_own]
    finally:
        subprocess.run(["docker", "rm", "-f", pages_own, tests_own.id], capture_output=True)
