"""The audit command (harness.audit) on the examples: every runner audits clean, every broken
target gets exactly its known findings, every check can fail (on tests/fixtures/audit/ and the
harness's own fixture images), and input it cannot use gets one clear line and exit status 2.

Images are the ones the example modules tag guide/<example>:<target>; a missing one is built here
through harness.images, which takes the build lock.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import docker.errors
import pytest

from harness import audit, auditrules, claims, images, stagechecks
from harness.dockerfiles import EXAMPLES, REPO, TEMP_PREFIX, parse

FIXTURES = REPO / "tests" / "fixtures"
TOKEN = "s3cr3t-demo"

# (example, target, Dockerfile): the runners every example ships.
RUNNERS = {
    ("arg-scope", "runner", "Dockerfile"): {"package-managers"},
    ("basic", "runner", "Dockerfile"): {"package-managers"},
    ("dockerignore", "runner", "Dockerfile"): {"package-managers"},
    ("go-static", "runner", "Dockerfile"): set(),
    ("nextjs-standalone", "runner", "Dockerfile"): {"package-managers"},
    ("node-app", "runner", "Dockerfile"): {"package-managers"},
    ("node-app", "runner-minimal", "Dockerfile"): set(),
    ("python-api", "runner", "Dockerfile"): {"package-managers", "test-stage-skipped"},
    ("python-api", "runner-minimal", "Dockerfile"): {"test-stage-skipped"},
    ("python-uv", "runner", "Dockerfile"): {"package-managers"},
    ("secrets", "safe", "Dockerfile"): {"package-managers"},
    ("shared-stages", "api", "Dockerfile"): {"package-managers"},
    ("shared-stages", "worker", "Dockerfile"): {"package-managers"},
}
# The deliberately broken targets and what each is known to get wrong.
BROKEN = {
    ("node-app", "runner-original", "Dockerfile"): {"dev-dependencies", "package-managers"},
    ("node-app", "single", "Dockerfile.single"):
        {"root-user", "build-tools", "dev-dependencies", "package-managers"},
    ("nextjs-standalone", "runner-broken", "Dockerfile"): {"next-static-missing", "package-managers"},
    ("nextjs-standalone", "single", "Dockerfile.single"):
        {"root-user", "build-tools", "dev-dependencies", "package-managers"},
    ("python-api", "single", "Dockerfile.single"): {"root-user", "build-tools", "package-managers"},
    ("python-api", "single-slim", "Dockerfile.single-slim"): {"root-user", "build-tools", "package-managers"},
    ("go-static", "single", "Dockerfile.single"): {"build-tools", "package-managers"},
    ("secrets", "leaky", "Dockerfile"): {"secret-in-history", "package-managers"},
}


def exists(tag: str) -> bool:
    try:
        images.client().images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def image(example: str, target: str, dockerfile: str) -> str:
    """guide/<example>:<target>, built (through the build lock) when no module has built it yet."""
    tag = images.tag_for(example, target)
    if exists(tag):
        return tag
    if example == "secrets":  # as tests/test_secrets.py builds them: a build argument, or a secret
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
            secret = Path(folder) / "token"
            secret.write_text(TOKEN)
            options = {"build_args": {"TOKEN": TOKEN}} if target == "leaky" else \
                {"extra": ["--secret", f"id=token,src={secret}"]}
            images.buildx(EXAMPLES / example, target=target, tag=tag, **options)
    elif dockerfile == "Dockerfile":
        images.build(example, target)
    else:
        images.build(example, dockerfile=dockerfile)
    return tag


def run(example: str, target: str, dockerfile: str, **options) -> audit.Report:
    path = EXAMPLES / example / dockerfile
    stage = target if dockerfile == "Dockerfile" else None  # Dockerfile.single: its only stage
    return audit.audit(image(example, target, dockerfile), path, stage, **options)


@pytest.mark.parametrize("case", RUNNERS, ids=lambda c: f"{c[0]}:{c[1]}")
def test_every_runner_audits_clean(case):
    report = run(*case)
    assert report.ids("warning") == [], [f.evidence for f in report.findings]
    assert set(report.ids()) == RUNNERS[case]
    assert report.matched, "the image's history does not match its Dockerfile target"
    assert not audit.fails(report, "warning")


@pytest.mark.parametrize("case", BROKEN, ids=lambda c: f"{c[0]}:{c[1]}")
def test_every_broken_target_gets_exactly_its_known_findings(case):
    report = run(*case)
    assert set(report.ids()) == BROKEN[case], [(f.id, f.evidence) for f in report.findings]
    assert report.matched
    assert audit.fails(report, "warning")


def line_of(example: str, dockerfile: str, stage: str, words: str) -> int:
    """The line of the first step of `stage` whose arguments contain `words` (other sessions
    edit the examples' comments: no line number is typed here)."""
    found = parse(EXAMPLES / example / dockerfile)
    chosen = stagechecks.target_stage(found, stage) if stage != "0" else found[0]
    return next(ins.line for ins in chosen.instructions if words in ins.args)


def finding(report: audit.Report, rule: str) -> audit.Finding:
    found = [f for f in report.findings if f.id == rule]
    assert len(found) == 1, [(f.id, f.evidence) for f in report.findings]
    return found[0]


def test_dev_dependencies_name_each_package_and_the_step_that_copied_them():
    report = run("node-app", "runner-original", "Dockerfile")
    found = finding(report, "dev-dependencies")
    devs = sorted(json.loads((EXAMPLES / "node-app" / "package.json").read_text())["devDependencies"])
    assert f"/app/node_modules holds {len(devs)} devDependencies of /app/package.json: {', '.join(devs)}" \
        in found.evidence
    line = line_of("node-app", "Dockerfile", "runner-original", "/app/node_modules")
    assert (found.line, found.stage) == (line, "runner-original")
    assert f"COPY /app/node_modules ./node_modules (Dockerfile:{line}, stage runner-original, from builder)" \
        in found.evidence[-1]


def test_the_secret_is_named_with_its_history_lines_but_never_shown():
    report = run("secrets", "leaky", "Dockerfile")
    found = finding(report, "secret-in-history")
    assert found.evidence[0] == "the build argument TOKEN"
    masked = f"<{len(TOKEN)} characters>"
    assert any(e.startswith("history #") and f"ARG TOKEN={masked}" in e for e in found.evidence)
    assert any(f"RUN |1 TOKEN=<{len(TOKEN)} characters>" in e for e in found.evidence)
    assert (found.line, found.stage) == (line_of("secrets", "Dockerfile", "leaky", "$TOKEN"), "leaky")
    shown = auditjson("--dockerfile", str(EXAMPLES / "secrets" / "Dockerfile"), "--target", "leaky",
                      images.tag_for("secrets", "leaky"))
    assert TOKEN not in json.dumps(shown)


def test_build_tools_inherited_from_the_base_image_say_so():
    found = finding(run("python-api", "single", "Dockerfile.single"), "build-tools")
    assert found.evidence[0].startswith("present: gcc")
    assert found.evidence[1].startswith("from the base image python:3.13: gcc")
    found = finding(run("python-api", "single-slim", "Dockerfile.single-slim"), "build-tools")
    line = line_of("python-api", "Dockerfile.single-slim", "0", "apt-get install")
    assert f"(Dockerfile:{line}, stage 0)" in found.evidence[-1], "installed by the Dockerfile's apt-get step"


def test_the_root_user_points_at_the_stage_without_user():
    found = finding(run("node-app", "single", "Dockerfile.single"), "root-user")
    assert found.evidence == ["image config: no USER (root)",
                              "no USER in stage 0 or the stages it starts FROM"]
    assert (found.line, found.stage) == (parse(EXAMPLES / "node-app" / "Dockerfile.single")[0].line, "0")


def test_a_stage_the_audit_is_told_to_ignore_is_listed_apart():
    """examples/arg-scope uses a global ARG out of scope on purpose, and says so in a comment."""
    report = run("arg-scope", "runner", "Dockerfile")
    assert [(f.id, f.stage) for f in report.ignored] == [("arg-out-of-scope", "without-arg")]
    assert stagechecks.ignored((EXAMPLES / "arg-scope" / "Dockerfile").read_text(), report.ignored[0].line) \
        == {"arg-out-of-scope"}


# --- each check can fail ------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_images() -> str:
    """The harness's tiny images, and tests/fixtures/audit/'s runner on a base without a tag."""
    for target in ("runner", "server", "server-writable", "scratch-writable"):
        if not exists(f"guide/fixture:{target}"):
            images.buildx(FIXTURES / "tiny", target=target, tag=f"guide/fixture:{target}")
    images.buildx(FIXTURES / "tiny", target="builder", tag="guide/audit-fixture:latest")
    images.buildx(FIXTURES / "audit", target="runner", tag="guide/audit-fixture:runner")
    images.buildx(FIXTURES / "audit", target="ghost-user", tag="guide/audit-fixture:ghost-user")
    return "guide/audit-fixture:runner"


def test_every_dockerfile_rule_fails_on_the_fixture(fixture_images):
    report = audit.audit(fixture_images, FIXTURES / "audit" / "Dockerfile", "runner")
    found = sorted((f.id, f.line) for f in report.findings if f.line)
    assert found == [("arg-out-of-scope", 17), ("build-check", 26), ("copy-from-index", 15),
                     ("test-stage-skipped", 19), ("unnamed-stage", 6), ("unnamed-stage", 10),
                     ("unpinned-base", 14), ("unreachable-stage", 6)]
    assert finding(report, "build-check").evidence == [
        "JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior "
        "related to OS signals"]
    assert set(report.ids()) - {f for f, _ in found} == {"package-managers"}


@pytest.mark.parametrize(("tag", "rule", "evidence"), [
    ("guide/fixture:runner", "named-user", "image config: USER app"),
    ("guide/fixture:server-writable", "app-files-writable", "USER 10001:10001 can change: /app"),
    ("guide/fixture:scratch-writable", "app-files-writable",
     "USER 10001:10001 can change: /app/owned, /app/world-writable"),
])
def test_each_image_rule_fails_on_a_fixture(fixture_images, tag, rule, evidence):
    found = finding(audit.audit(tag), rule)
    assert found.evidence[0].startswith(evidence), found.evidence


def test_python_test_tools_are_found_in_the_dev_image():
    tag = images.build("python-api", "dev").tag
    found = finding(audit.audit(tag), "python-dev-tools")
    assert found.evidence[0] == "installed: coverage, pytest, pytest-cov, ruff"


def test_the_read_only_health_check_runs_with_run(fixture_images):
    found = finding(audit.audit("guide/fixture:server", run=("8080", "/")), "readonly")
    assert "Read-only file system" in found.evidence[0]
    report = run("node-app", "runner", "Dockerfile", run=("3000", "/health"))
    assert "readonly" not in report.ids()


def test_an_image_not_built_from_the_target_is_not_matched_to_its_steps():
    report = audit.audit(image("node-app", "runner", "Dockerfile"), EXAMPLES / "node-app" / "Dockerfile",
                         "runner-original")
    assert not report.matched
    assert all(layer.stage is None for layer in report.layers)


@pytest.mark.parametrize(("example", "target"), [("python-api", "runner"), ("python-api", "test"),
                                                 ("node-app", "runner")])
def test_the_stages_a_target_needs_are_the_stages_buildkit_runs(example, target):
    """stagechecks.needed (behind test-stage-skipped) against a real build's log, as the `build`
    claim reads it."""
    stages = parse(EXAMPLES / example / "Dockerfile")
    chosen = stagechecks.target_stage(stages, target)
    built = images.buildx(EXAMPLES / example, target=target, load=False)
    assert {s.ref for s in stagechecks.needed(stages, chosen)} == images.stages_in_log(built.log)


def test_the_audit_claim_reads_as_the_report(fixture_images):
    dockerfile = "dockerfile=tests/fixtures/audit/Dockerfile target=runner"
    assert "finds" in claims.check(f"audit {fixture_images} {dockerfile} clean")
    assert claims.check("audit guide/fixture:runner finds named-user package-managers") is None
    with pytest.raises(claims.ClaimError, match="no stage named 'nope'"):
        claims.check(f"audit {fixture_images} dockerfile=tests/fixtures/audit/Dockerfile target=nope clean")


# --- the command --------------------------------------------------------------------------


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.audit", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=300)


def auditjson(*args: str) -> dict:
    result = cli("--json", "--fail-on", "never", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_exit_status_follows_fail_on():
    tag = image("node-app", "runner-original", "Dockerfile")
    args = ["--dockerfile", "examples/node-app/Dockerfile", "--target", "runner-original", tag]
    assert cli(*args).returncode == 1
    assert cli("--fail-on", "error", *args).returncode == 0
    assert cli("--fail-on", "never", *args).returncode == 0


def test_json_carries_each_finding_with_its_page_in_the_language_asked():
    tag = image("node-app", "runner-original", "Dockerfile")
    ko = auditjson("--lang", "ko", "--dockerfile", "examples/node-app/Dockerfile",
                   "--target", "runner-original", tag)
    found = {f["id"]: f for f in ko["findings"]}
    assert found["dev-dependencies"]["page"] == "docs/ko/dev-dependencies.md#prod-deps"
    assert found["dev-dependencies"]["why"] == auditrules.RULES["dev-dependencies"].why["ko"]
    line = line_of("node-app", "Dockerfile", "runner-original", "/app/node_modules")
    finding = found["dev-dependencies"]
    assert (finding["line"], finding["stage"]) == (line, "runner-original")
    assert ko["layers_matched"] and ko["fails"] is False


def test_the_table_speaks_the_locale_s_language():
    tag = image("node-app", "runner-original", "Dockerfile")
    result = cli("--dockerfile", "examples/node-app/Dockerfile", "--target", "runner-original", tag,
                 env={"LANG": "ko_KR.UTF-8", "LC_ALL": "", "COLUMNS": "200"})
    assert "읽을 페이지: docs/ko/dev-dependencies.md#prod-deps" in result.stdout
    assert "--fail-on warning 기준으로 실패합니다." in result.stdout


BAD_INPUT = [
    (["guide/no-such-image:none"], "no image guide/no-such-image:none on this engine"),
    (["--dockerfile", "tests/fixtures/audit/unparsable.Dockerfile", "guide/fixture:runner"],
     "the Dockerfile does not parse: "),
    (["--dockerfile", "tests/fixtures/audit/Dockerfile", "--target", "nope", "guide/fixture:runner"],
     "no stage named 'nope' in tests/fixtures/audit/Dockerfile (its stages: unpinned, unit-test, runner, "
     "ghost-user)"),
    (["--target", "runner", "guide/fixture:runner"], "--target names a stage of the Dockerfile"),
    (["--run", "http", "/", "guide/fixture:runner"], "--run takes a port number"),
    (["guide/audit-fixture:ghost-user"],
     "the engine could not run a check in guide/audit-fixture:ghost-user: unable to find user ghost"),
]


@pytest.mark.parametrize(("args", "said"), BAD_INPUT, ids=["no-image", "unparsable", "no-target",
                                                           "target-alone", "bad-run", "unknown-user"])
def test_bad_input_gets_one_line_and_status_2(fixture_images, tmp_path, args, said):
    result = cli(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"multistage-audit: {said}"), result.stderr


def test_an_unparsable_dockerfile_is_refused_with_buildkit_s_line():
    result = cli("--dockerfile", "tests/fixtures/audit/unparsable.Dockerfile", "guide/fixture:runner")
    assert re.search(r"unparsable.Dockerfile:3: dockerfile parse error on line 3: unknown flag: --frm",
                     result.stderr), result.stderr


def test_no_engine_gets_one_line_and_status_2():
    result = cli("guide/fixture:runner", env={"DOCKER_HOST": "unix:///nonexistent/multistage-guide.sock"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("multistage-audit: no Docker engine answers at "
                                    "unix:///nonexistent/multistage-guide.sock"), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


# --- the pages it names -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_page_the_audit_names_exists_with_its_section(lang):
    for rule in auditrules.RULES.values():
        page, _, anchor = rule.page.partition("#")
        text = (REPO / "docs" / lang / page).read_text()
        assert f"{{#{anchor}}}" in text, f"{rule.id}: docs/{lang}/{page} has no heading {{#{anchor}}}"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_audit_page_lists_every_finding(lang):
    text = (REPO / "docs" / lang / "audit.md").read_text()
    listed = re.findall(r"^\| `([a-z-]+)` \| (\w+) \| \[[^]]+\]\(([^)]+)\)", text, re.MULTILINE)
    assert listed == [(r.id, r.level, r.page) for r in auditrules.RULES.values()]
