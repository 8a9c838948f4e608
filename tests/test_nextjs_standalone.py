"""examples/nextjs-standalone: Next.js `output: 'standalone'` in a multi-stage build.

The lesson the page teaches: `.next/standalone` holds the server, but not `.next/static` (the
CSS and JavaScript chunks) nor `public/`. A runtime stage that copies only the standalone
folder renders the HTML with status 200 and breaks every asset it links to, so a check of `/`
alone passes. These tests fetch every `/_next/static/...` asset the page references.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from harness import contract, images
from harness.dockerfiles import EXAMPLES, parse
from harness.images import HARDENED

EXAMPLE = "nextjs-standalone"
DIR = EXAMPLES / EXAMPLE
PORT = 3000
PUBLIC_ASSET = "/layers.svg"  # public/layers.svg, referenced by app/page.tsx
RUNNER_UID = "10001"

RUNNER_MAX_BYTES = 280 * 10**6
SINGLE_RATIO_MIN = 2
# The floor for a rebuild after a one-line change of the page, with the .next/cache
# mount warm. Measured on the shared 2-core machine: 5.5-11.0 s depending on its load (12-24 s
# without the mount). One slow run is noise, not a regression, so a run above the floor gets one
# more edit and the faster of the two counts (both are printed). The test also asserts what the
# mount is for: the warm rebuild is clearly faster than one without it.
REBUILD_MAX_S = 10.0
REBUILD_SPEEDUP_MIN = 1.4

# The runtime contract's points this runner does not meet, as the page documents them: Next's
# own SIGTERM handler lets the request in flight finish, then exits 143 (128 + SIGTERM) on purpose.
CONTRACT_FAILS = {
    "drain": "docker stop with a request in flight: the request got 200, the process exited 143",
}
# A raster image in public/ for the image optimiser (it refuses SVG unless dangerouslyAllowSVG).
OPTIMISED = "/_next/image?url=%2Flayers.png&w=64&q=75"

ASSET_RE = re.compile(r'(?:src|href)="(/_next/static/[^"]+)"')


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sh(tag: str, script: str) -> tuple[int, str]:
    return images.run_output(tag, "sh", "-c", script, entrypoint="")


@pytest.fixture(scope="module")
def runner() -> str:
    return images.build(EXAMPLE, "runner").tag


@pytest.fixture(scope="module")
def runner_broken() -> str:
    return images.build(EXAMPLE, "runner-broken").tag


@pytest.fixture(scope="module")
def builder() -> str:
    return images.build(EXAMPLE, "builder").tag


@pytest.fixture(scope="module")
def deps() -> str:
    return images.build(EXAMPLE, "deps").tag


@pytest.fixture(scope="module")
def single() -> str:
    return images.build(EXAMPLE, dockerfile="Dockerfile.single").tag


@pytest.fixture(scope="module")
def dev_dependencies() -> list[str]:
    names = list(json.loads((DIR / "package.json").read_text())["devDependencies"])
    assert names, "the example needs dev dependencies for the runtime check to mean anything"
    return names


def served_page(tag: str, **run) -> dict:
    """Start the image (with the `docker run` options in `run`), fetch `/`, every /_next/static
    asset it references, the public asset and /api/health; stop it with SIGTERM. Return what
    came back."""
    with images.running(tag, PORT, **run) as (container, base):
        status, body = images.wait_http(base + "/", timeout=20)
        html = body.decode(errors="replace")
        assets = sorted(set(ASSET_RE.findall(html)))
        result = {
            "status": status,
            "html": html,
            "assets": {path: fetch(base + path)[0] for path in assets},
            "public": fetch(base + PUBLIC_ASSET)[0],
            "health": fetch(base + "/api/health"),
        }
        result["stop"] = images.stop(container, timeout=10)
    return result


@pytest.fixture(scope="module")
def runner_page(runner) -> dict:
    return served_page(runner)


@pytest.fixture(scope="module")
def read_only_page(runner) -> dict:
    """The runner under --read-only --cap-drop=ALL --security-opt=no-new-privileges, no tmpfs."""
    return served_page(runner, **HARDENED)


@pytest.fixture(scope="module")
def broken_page(runner_broken) -> dict:
    return served_page(runner_broken)


# --- the Dockerfile ---------------------------------------------------------------------------

def test_stages_and_order():
    stages = parse(DIR / "Dockerfile")
    names = [s.name for s in stages]
    assert names == ["deps", "builder", "runner-broken", "runner"]
    assert {s.base for s in stages} == {"node:24-slim"}
    assert [s.base for s in parse(DIR / "Dockerfile.single")] == ["node:24"]
    runner = stages[-1]
    copies = [i.args for i in runner.instructions if i.keyword == "COPY"]
    assert any("/app/.next/standalone ./" in c for c in copies)
    assert any("/app/.next/static ./.next/static" in c for c in copies)
    assert any("/app/public ./public" in c for c in copies)
    broken = stages[2]
    broken_copies = [i.args for i in broken.instructions if i.keyword == "COPY"]
    assert len(broken_copies) == 1 and "/app/.next/standalone" in broken_copies[0]
    cmd = [i.args for i in runner.instructions if i.keyword == "CMD"]
    assert cmd == ['["node", "server.js"]']


def test_build_runs_offline_with_caches_and_telemetry_off():
    stages = {s.name: s for s in parse(DIR / "Dockerfile")}
    (ci,) = [i.args for i in stages["deps"].instructions if "npm ci" in i.args]
    assert "--mount=type=cache,target=/root/.npm" in ci
    (build,) = [i.args for i in stages["builder"].instructions if "npm run build" in i.args]
    assert "--mount=type=cache,target=/app/.next/cache" in build
    assert "--network=none" in build  # the build cannot fetch fonts or anything else
    envs = " ".join(i.args for i in stages["builder"].instructions if i.keyword == "ENV")
    assert "NEXT_TELEMETRY_DISABLED=1" in envs
    sources = [p for p in (DIR / "app").rglob("*") if p.is_file()]
    assert not any(re.search(r"from ['\"]next/font/google", p.read_text()) for p in sources)


def test_snippet_sections():
    text = (DIR / "Dockerfile").read_text()
    for name in ("deps", "builder", "runner"):
        assert text.count(f"# --8<-- [start:{name}]") == 1
        assert text.count(f"# --8<-- [end:{name}]") == 1


def test_next_config_is_standalone():
    assert re.search(r"output:\s*'standalone'", (DIR / "next.config.mjs").read_text())


# --- builds -----------------------------------------------------------------------------------

def test_every_target_builds(deps, builder, runner_broken, runner, single):
    for tag in (deps, builder, runner_broken, runner, single):
        assert images.size(tag) > 0


def test_builder_has_what_it_needs(builder, dev_dependencies):
    paths = [f"/app/node_modules/{name}" for name in dev_dependencies]
    paths += ["/app/app/page.tsx", "/app/.next/standalone/server.js", "/app/.next/static"]
    code, out = sh(builder, " && ".join(f"test -e {p}" for p in paths) + " && echo ok")
    assert (code, out.strip()) == (0, "ok"), out
    # The cache mount is not part of the image: .next/cache is empty or absent in the layer.
    code, out = sh(builder, "ls -A /app/.next/cache 2>/dev/null | wc -l")
    assert out.strip() == "0", out


# --- the runner serves the page and its assets -------------------------------------------------

def test_runner_serves_page_assets_and_public(runner_page):
    assert runner_page["status"] == 200
    assets = runner_page["assets"]
    assert any(a.endswith(".css") for a in assets), assets
    assert any(a.endswith(".js") for a in assets), assets
    assert {path: status for path, status in assets.items() if status != 200} == {}
    assert runner_page["public"] == 200
    assert PUBLIC_ASSET in runner_page["html"]


def test_runner_health(runner_page):
    status, body = runner_page["health"]
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_runner_serves_everything_with_a_read_only_root_filesystem(read_only_page):
    """Serving its pages writes nothing: no tmpfs, not even for .next/cache (the image optimiser
    does write there: test_image_optimiser_caches_only_in_a_user_owned_tmpfs)."""
    assert read_only_page["status"] == 200
    assets = read_only_page["assets"]
    assert assets and set(assets.values()) == {200}, assets
    assert read_only_page["public"] == 200
    assert read_only_page["health"][0] == 200
    assert read_only_page["stop"][1] != 137


def test_runner_stops_on_sigterm(runner_page):
    seconds, code = runner_page["stop"]
    # Next's own SIGTERM handler exits with 143 (128 + SIGTERM); 137 would mean SIGKILL.
    assert code != 137
    assert seconds < 10


@pytest.mark.parametrize("point", contract.POINTS)
def test_runner_meets_the_runtime_contract_but_drain(runner, point):
    """TLS against the system bundle (NODE_OPTIONS=--use-system-ca), Asia/Seoul, a user name for
    UID 10001; drain fails only on the exit code, as the page documents (CONTRACT_FAILS)."""
    assert contract.check_points(runner, "node", PORT)[point] == CONTRACT_FAILS.get(point)


def test_slow_waits_no_less_than_zero_seconds(runner):
    """/slow, the request in flight of the drain check, clamps what it is asked (0 to 30 s)."""
    with images.running(runner, PORT) as (container, base):
        images.wait_http(base + "/api/health", timeout=20)
        status, body = fetch(base + "/slow?seconds=-1")
        assert (status, json.loads(body)) == (200, {"slept": 0})
        images.stop(container, timeout=10)


def poll(read, timeout: float = 20.0) -> str:
    """Call read() until it returns some text (it may be written after the answer is sent)."""
    deadline = time.monotonic() + timeout
    while not (text := read()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return text


def sh_in(container, script: str) -> str:
    return container.exec_run(["sh", "-c", script]).output.decode(errors="replace").strip()


def failed_writes(container) -> str:
    """The lines in which the image optimiser says it could not write its cache."""
    logs = container.logs().decode(errors="replace")
    return "".join(line for line in logs.splitlines(True) if "Failed to write image to cache" in line)


def test_image_optimiser_caches_only_in_a_user_owned_tmpfs(runner):
    """The optimiser writes .next/cache/images at run time: in the root-owned /app it cannot
    (it still answers, and logs EACCES); in a tmpfs owned by UID 10001 it can."""
    with images.running(runner, PORT) as (container, base):
        images.wait_http(base + "/api/health", timeout=20)
        assert fetch(base + OPTIMISED)[0] == 200
        failed = poll(lambda: failed_writes(container))
        assert "EACCES: permission denied, mkdir '/app/.next/cache'" in failed, container.logs()
    tmpfs = {"read_only": True, "tmpfs": {"/app/.next/cache": f"uid={RUNNER_UID},gid={RUNNER_UID}"}}
    with images.running(runner, PORT, **tmpfs) as (container, base):
        images.wait_http(base + "/api/health", timeout=20)
        assert fetch(base + OPTIMISED)[0] == 200
        found = poll(lambda: sh_in(container, "find /app/.next/cache/images -name '*.png'"))
        assert len(found.splitlines()) == 1, container.logs().decode(errors="replace")
        assert failed_writes(container) == ""


def test_broken_runner_renders_the_page_but_not_its_assets(broken_page):
    # The trap: the HTML answers 200, so a check of `/` alone passes ...
    assert broken_page["status"] == 200
    assert broken_page["health"][0] == 200
    # ... but every CSS and JavaScript file it links to, and public/, answer 404.
    assets = broken_page["assets"]
    assert assets, "the page references no /_next/static assets"
    assert set(assets.values()) == {404}, assets
    assert broken_page["public"] == 404


# --- what the runner is made of ----------------------------------------------------------------

@pytest.mark.parametrize("target", ["runner", "runner-broken"])
def test_runner_is_non_root_and_cannot_change_app(target):
    """A numeric UID that owns nothing: every file under /app belongs to root, none writable."""
    tag = images.build(EXAMPLE, target).tag
    assert images.config_user(tag) == f"{RUNNER_UID}:{RUNNER_UID}"
    code, out = images.run_output(tag, "id", "-u")
    assert (code, out.strip()) == (0, RUNNER_UID)
    code, out = sh(tag, "stat -c %U:%G /app/server.js")
    assert out.strip() == "root:root"
    code, out = sh(tag, "find /app \\( ! -user root -o -writable \\) -print")
    assert (code, out.strip()) == (0, "")


def test_runner_environment(runner):
    env = dict(e.split("=", 1) for e in images.client().images.get(runner).attrs["Config"]["Env"])
    assert env["NODE_ENV"] == "production"
    assert env["HOSTNAME"] == "0.0.0.0"
    assert env["PORT"] == str(PORT)
    assert env["NEXT_TELEMETRY_DISABLED"] == "1"


def test_runner_has_no_dev_dependencies_sources_or_build_tools(runner, dev_dependencies):
    unwanted = [f"/app/node_modules/{name}" for name in dev_dependencies]
    # standalone keeps server.js, package.json, .next (server output) and traced node_modules.
    unwanted += ["/app/app", "/app/pages", "/app/tsconfig.json", "/app/next.config.mjs",
                 "/app/package-lock.json", "/app/.next/cache", "/app/.next/standalone"]
    script = "".join(f"test -e {p} && echo {p}; " for p in unwanted)
    script += "for t in gcc cc make; do command -v $t; done; true"
    code, out = sh(runner, script)
    assert (code, out.strip()) == (0, "")
    code, out = sh(runner, "ls -A /app | sort | tr '\\n' ' '")
    assert out.split() == [".next", "node_modules", "package.json", "public", "server.js"]


def test_sizes(deps, builder, runner, runner_broken, single):
    sizes = {tag: images.size(tag) for tag in (deps, builder, runner, runner_broken, single)}
    for tag, value in sizes.items():
        print(f"{tag}: {value / 10**6:.0f} MB")
    ratio = sizes[single] / sizes[runner]
    print(f"single/runner ratio: {ratio:.1f}, builder/runner: {sizes[builder] / sizes[runner]:.1f}")
    assert sizes[runner] <= RUNNER_MAX_BYTES
    assert ratio >= SINGLE_RATIO_MIN


def test_single_stage_baseline_works_but_runs_as_root(single):
    assert images.config_user(single) == ""
    with images.running(single, PORT) as (_container, base):
        status, _ = images.wait_http(base + "/", timeout=30)
        assert status == 200


# --- rebuilds ---------------------------------------------------------------------------------

def edit_page(root: Path, text: str) -> None:
    page = root / "app" / "page.tsx"
    source = page.read_text()
    new, count = re.subn(r"<h1>.*</h1>", f"<h1>{text}</h1>", source)
    assert count == 1
    page.write_text(new)


@pytest.mark.slow
@pytest.mark.alone  # a build time: measured with the machine to itself
def test_rebuild_after_one_line_change(tmp_path_factory, runner):
    copy = tmp_path_factory.mktemp("nextjs") / EXAMPLE
    shutil.copytree(DIR, copy, ignore=shutil.ignore_patterns("node_modules", ".next"))
    tag = images.tag_for(EXAMPLE, "rebuild-probe")

    images.buildx(copy, target="runner", tag=tag)  # warm: same sources as the main build
    run = uuid.uuid4().hex[:8]  # new text on every run, so the layer cache cannot serve it
    edit_page(copy, f"First edit {run}")  # fills the .next/cache mount whatever state it was in
    first = images.buildx(copy, target="runner", tag=tag)
    assert first.ran("npm run build")

    warm_runs = []
    for attempt in ("Second", "Another"):
        edit_page(copy, f"{attempt} edit {run}")
        warm_runs.append(images.buildx(copy, target="runner", tag=tag))
        assert warm_runs[-1].ran("npm run build")
        assert not warm_runs[-1].ran("npm ci")  # the lock did not change
        code, out = sh(tag, f"grep -c '{attempt} edit {run}' /app/.next/server/app/index.html")
        assert code == 0, out
        if warm_runs[-1].seconds <= REBUILD_MAX_S:
            break
    warm = min(warm_runs, key=lambda result: result.seconds)

    # The same edit without the .next/cache mount, for comparison.
    dockerfile = copy / "Dockerfile"
    text = dockerfile.read_text()
    mount = "RUN --mount=type=cache,target=/app/.next/cache \\\n"
    assert mount in text
    dockerfile.write_text(text.replace(mount, "RUN \\\n"))
    edit_page(copy, f"Third edit {run}")
    without = images.buildx(copy, target="runner", tag=tag)
    assert without.ran("npm run build")

    warm_figures = ", ".join(f"{result.seconds:.1f}" for result in warm_runs)
    figures = (f"rebuild after a one-line change: {first.seconds:.1f} s (first), "
               f"{warm_figures} s (warm .next/cache), {without.seconds:.1f} s (no cache mount)")
    print(figures)
    assert warm.seconds <= REBUILD_MAX_S, figures
    assert without.seconds >= REBUILD_SPEEDUP_MIN * warm.seconds, figures
