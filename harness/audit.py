"""The guide's checks on any image, and on the Dockerfile it was built from.

    multistage-audit [--dockerfile PATH] [--target NAME] [--lang ko|en] [--json]
                     [--fail-on error|warning|info|never] [--run PORT PATH] IMAGE
    scripts/nox -s audit -- ...        the same, from a clone

Every finding comes from a check the site already proves on its own pages and examples: the
claims of harness.claims, BuildKit's build checks (harness.buildchecks), the stage rules of
harness.stagechecks and the image checks of harness.imagechecks. Each finding carries its
evidence (the Dockerfile line and stage, the layer, the history line), one sentence on why it
matters and the page that explains it (harness.auditrules). harness.auditreport prints it.

Exit status: 0 when no finding reaches --fail-on (warning by default), 1 when one does, 2 for
input the audit cannot work with (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import locale
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import docker.errors

from harness import buildchecks, claims, imagechecks, images, stagechecks
from harness.auditrules import LEVELS, RULES
from harness.dockerfiles import Stage, stages


class BadInput(Exception):
    """Input the audit cannot work with: said in one line."""


@dataclass
class Finding:
    id: str
    evidence: list[str]
    line: int | None = None  # in the Dockerfile
    stage: str | None = None
    layer: int | None = None

    @property
    def level(self) -> str:
        return RULES[self.id].level


@dataclass
class Report:
    image: str
    dockerfile: Path | None
    target: str | None
    findings: list[Finding] = field(default_factory=list)
    ignored: list[Finding] = field(default_factory=list)
    layers: list[imagechecks.Layer] = field(default_factory=list)
    matched: bool = False  # the history matched the Dockerfile's target

    def ids(self, at_least: str = "info") -> list[str]:
        """The ids found at `at_least` or above, each once, in the order found."""
        floor = LEVELS.index(at_least)
        return list(dict.fromkeys(f.id for f in self.findings if LEVELS.index(f.level) >= floor))


# --- input --------------------------------------------------------------------------------


def engine() -> None:
    try:
        images.client().ping()
    except docker.errors.DockerException as error:
        host = os.environ.get("DOCKER_HOST", "the default socket")
        raise BadInput(f"no Docker engine answers at {host}: start one (or set DOCKER_HOST) "
                       f"[{str(error).splitlines()[0][:160]}]") from None


def image_exists(image: str) -> None:
    if not exists(image):
        raise BadInput(f"no image {image} on this engine: build it first, or check its name "
                       f"with `docker images`")


@dataclass
class Dockerfile:
    path: Path
    text: str
    stages: list[Stage]
    target: Stage
    warnings: list[buildchecks.Finding]  # BuildKit's build checks


def read_dockerfile(path: Path, target: str | None) -> Dockerfile:
    """The Dockerfile, its stages and the target's stage. BuildKit's build check reads it first,
    so a Dockerfile BuildKit refuses is refused here with BuildKit's own message and line."""
    if not path.is_file():
        raise BadInput(f"no Dockerfile at {path}")
    try:
        warnings = buildchecks.warnings(path)
    except buildchecks.CheckFailed as error:
        said = str(error).replace("the build check did not run: ", "")
        raise BadInput(f"the Dockerfile does not parse: {said}") from None
    text = path.read_text()
    found = stages(text)
    if not found:
        raise BadInput(f"{path} has no FROM line")
    chosen = stagechecks.target_stage(found, target)
    if chosen is None:
        names = ", ".join(s.name for s in found if s.name) or "none has a name"
        raise BadInput(f"no stage named {target!r} in {path} (its stages: {names})")
    return Dockerfile(path, text, found, chosen, warnings)


# --- the Dockerfile -----------------------------------------------------------------------


def dockerfile_findings(dockerfile: Dockerfile) -> list[Finding]:
    found, target = dockerfile.stages, dockerfile.target
    results = [Finding("build-check", [f"{w.rule}: {w.detail}"], line=w.line) for w in dockerfile.warnings]
    for rule, spots in (("unnamed-stage", stagechecks.unnamed_stages(found)),
                        ("copy-from-index", stagechecks.copies_from_index(found)),
                        ("unreachable-stage", stagechecks.unreachable_stages(found)),
                        ("test-stage-skipped", stagechecks.skipped_test_stages(found, target)),
                        ("arg-out-of-scope", stagechecks.args_out_of_scope(found, dockerfile.text)),
                        ("unpinned-base", stagechecks.unpinned_bases(found))):
        if rule == "test-stage-skipped" and spots:  # one finding for the target, each stage its line
            results.append(Finding(rule, [spot.detail for spot in spots], spots[0].line, spots[0].stage))
            continue
        results += [Finding(rule, [spot.detail], line=spot.line, stage=spot.stage) for spot in spots]
    return results


# --- the image ----------------------------------------------------------------------------


@dataclass
class Context:
    """What the image checks share: the image, its layers, and the Dockerfile when given."""
    image: str
    layers: list[imagechecks.Layer]
    stages: list[Stage] | None = None
    target: Stage | None = None

    def base(self) -> str | None:
        return stagechecks.external_base(self.stages, self.target) if self.stages else None

    def made_by(self, layer: imagechecks.Layer | None) -> str | None:
        if layer is None:
            return None
        made = f"history #{layer.number}: {short(layer.created_by)}"
        if layer.line is None:  # no Dockerfile, or not the one the image was built from
            return made
        source = f", from {layer.source}" if layer.source else ""
        return f"{made} (Dockerfile:{layer.line}, stage {layer.stage}{source})"


def short(text: str, width: int = 90) -> str:
    text = " ".join(text.replace(" # buildkit", "").split())
    return text if len(text) <= width else text[:width - 3] + "..."


def user_findings(ctx: Context) -> list[Finding]:
    """claims.numeric_user, the runner policy the `readonly` claim holds: root or a name."""
    problem = claims.numeric_user(ctx.image)
    if problem is None:
        return []
    user = images.config_user(ctx.image)
    evidence = [f"image config: USER {user}" if user else "image config: no USER (root)"]
    line, stage = None, None
    if ctx.stages:
        ins, where = stagechecks.runtime_user(ctx.stages, ctx.target)
        line, stage = (ins.line, where.ref) if ins else (where.line, where.ref)
        evidence.append(f"Dockerfile:{ins.line}: USER {ins.args}" if ins
                        else f"no USER in stage {where.ref} or the stages it starts FROM")
    return [Finding("root-user" if images.runs_as_root(user) else "named-user", evidence, line, stage)]


def program_findings(ctx: Context, rule: str, things: tuple[str, ...]) -> list[Finding]:
    """Programs and paths present (images.present, behind the absent/present claims), and where
    they came from: the base image, or the step that installed them."""
    found = images.present(ctx.image, things)
    if not found:
        return []
    evidence = [f"present: {', '.join(found)}"]
    base = ctx.base()
    inherited = images.present(base, found) if base and base != "scratch" and exists(base) else []
    if inherited:
        evidence.append(f"from the base image {base}: {', '.join(inherited)}")
    # Compilers come from a system package step; a package manager's own install step says
    # nothing a reader can search for, so only compilers are traced to a layer.
    if rule == "build-tools" and set(found) - set(inherited):
        layer = imagechecks.layer_mentioning(ctx.layers, *imagechecks.SYSTEM_INSTALLS)
        if made := ctx.made_by(layer):
            evidence.append(made)
            return [Finding(rule, evidence, layer.line, layer.stage, layer.number)]
    return [Finding(rule, evidence)]


def exists(image: str) -> bool:
    try:
        images.client().images.get(image)
    except docker.errors.ImageNotFound:
        return False
    return True


def dev_dependency_findings(ctx: Context) -> list[Finding]:
    found = imagechecks.dev_dependencies(ctx.image)
    if not found:
        return []
    names = [path.split("/node_modules/", 1)[1] for path in found]
    folder = imagechecks.workdir(ctx.image).rstrip("/")
    evidence = [f"{folder}/node_modules holds {len(found)} devDependencies of {folder}/package.json: "
                f"{', '.join(names)}"]
    layer = imagechecks.layer_mentioning(ctx.layers, "node_modules", "npm ci", "npm install", "yarn", "pnpm")
    if made := ctx.made_by(layer):
        evidence.append(made)
        return [Finding("dev-dependencies", evidence, layer.line, layer.stage, layer.number)]
    return [Finding("dev-dependencies", evidence)]


def python_tool_findings(ctx: Context) -> list[Finding]:
    found = imagechecks.python_dev_tools(ctx.image)
    names = sorted({imagechecks.project_name(path) for path in found})
    return [Finding("python-dev-tools", [f"installed: {', '.join(names)}", *found[:5]])] if found else []


def secret_findings(ctx: Context) -> list[Finding]:
    by_name: dict[str, list[imagechecks.Leak]] = {}
    for leak in imagechecks.secret_build_args(ctx.image):
        by_name.setdefault(leak.name, []).append(leak)
    results = []
    for name, leaks in by_name.items():
        evidence = [f"history #{leak.layer}: {short(leak.shown)}" for leak in leaks]
        layer = ctx.layers[leaks[-1].layer - 1]
        results.append(Finding("secret-in-history", [f"the build argument {name}", *evidence],
                               layer.line, layer.stage, layer.number))
    return results


def writable_findings(ctx: Context) -> list[Finding]:
    found = imagechecks.writable_app_files(ctx.image)
    user = images.config_user(ctx.image)
    more = f" (and {len(found) - 5} more)" if len(found) > 5 else ""
    return [Finding("app-files-writable", [f"USER {user} can change: {', '.join(found[:5])}{more}"])] \
        if found else []


def next_findings(ctx: Context) -> list[Finding]:
    problem = imagechecks.next_static_missing(ctx.image)
    return [Finding("next-static-missing", [problem])] if problem else []


def readonly_findings(ctx: Context, run: tuple[str, str] | None) -> list[Finding]:
    """The `readonly` claim, as the pages check every runner with it."""
    if run is None:
        return []
    problem = claims.check_readonly(ctx.image, *run)
    return [Finding("readonly", [f"docker run --read-only --cap-drop=ALL: {problem}"])] if problem else []


def image_findings(ctx: Context, run: tuple[str, str] | None) -> list[Finding]:
    return [*user_findings(ctx),
            *program_findings(ctx, "build-tools", imagechecks.BUILD_TOOLS),
            *program_findings(ctx, "package-managers", imagechecks.PACKAGE_MANAGERS),
            *dev_dependency_findings(ctx), *python_tool_findings(ctx), *secret_findings(ctx),
            *writable_findings(ctx), *next_findings(ctx), *readonly_findings(ctx, run)]


# --- the audit ----------------------------------------------------------------------------


def audit(image: str, dockerfile: Path | None = None, target: str | None = None,
          run: tuple[str, str] | None = None) -> Report:
    """Every check on `image` (and its Dockerfile); raise BadInput for input it cannot use."""
    if target and not dockerfile:
        raise BadInput("--target names a stage of the Dockerfile: give --dockerfile too")
    if run and (not run[0].isdigit() or not run[1].startswith("/")):
        raise BadInput(f"--run takes a port number and a path that starts with /, not {' '.join(run)}")
    engine()
    image_exists(image)
    report = Report(image, dockerfile, target)
    read = read_dockerfile(dockerfile, target) if dockerfile else None
    found = dockerfile_findings(read) if read else []
    stages, chosen = (read.stages, read.target) if read else (None, None)
    report.layers, report.matched = imagechecks.layers(image, stages, chosen)
    found += image_findings(Context(image, report.layers, stages, chosen), run)
    for finding in found:
        off = read is not None and finding.line is not None and \
            finding.id in stagechecks.ignored(read.text, finding.line)
        (report.ignored if off else report.findings).append(finding)
    report.findings.sort(key=lambda f: -LEVELS.index(f.level))  # the worst first, else as found
    return report


def fails(report: Report, fail_on: str) -> bool:
    return fail_on != "never" and bool(report.ids(fail_on))


def default_language() -> str:
    """Korean when the locale says so (LC_ALL, LC_MESSAGES, LANG), English otherwise."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(name):
            return "ko" if value.lower().startswith("ko") else "en"
    found = locale.getlocale()[0] or ""
    return "ko" if found.lower().startswith("ko") else "en"


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="multistage-audit",
        description="The checks of the verified guide to Docker multi-stage builds, on your image "
                    "and the Dockerfile it was built from.")
    parse.add_argument("image", metavar="IMAGE", help="the image to audit (name:tag or id)")
    parse.add_argument("--dockerfile", type=Path, metavar="PATH",
                       help="the Dockerfile the image was built from: adds its checks, and the stage "
                            "of each layer")
    parse.add_argument("--target", metavar="NAME",
                       help="the stage the image was built as (default: the last)")
    parse.add_argument("--lang", choices=("ko", "en"), default=None,
                       help="the language of the report and its pages (default: from the locale)")
    parse.add_argument("--json", action="store_true", help="print the report as JSON")
    parse.add_argument("--fail-on", choices=(*reversed(LEVELS), "never"), default="warning",
                       help="exit 1 when a finding reaches this level (default: warning)")
    parse.add_argument("--run", nargs=2, metavar=("PORT", "PATH"),
                       help="also start the image read-only and without capabilities, and want "
                            "HTTP 200 on PATH")
    return parse


def main(argv: list[str] | None = None) -> int:
    from harness import auditreport  # rich, only to print

    args = parser().parse_args(argv)
    lang = args.lang or default_language()
    try:
        report = audit(args.image, args.dockerfile, args.target, tuple(args.run) if args.run else None)
    except BadInput as error:
        print(f"multistage-audit: {error}", file=sys.stderr)
        return 2
    except (docker.errors.DockerException, AssertionError) as error:
        # A probe the engine would not run in the image (a USER it cannot find, a CPU it
        # cannot emulate): the audit cannot look inside, and says so in one line.
        said = getattr(error, "explanation", None) or str(error)
        print(f"multistage-audit: the engine could not run a check in {args.image}: "
              f"{said.strip().splitlines()[0]}", file=sys.stderr)
        return 2
    if args.json:
        print(auditreport.as_json(report, lang, args.fail_on))
    else:
        auditreport.show(report, lang, args.fail_on)
    return 1 if fails(report, args.fail_on) else 0


if __name__ == "__main__":
    raise SystemExit(main())
