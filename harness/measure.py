"""Measure every example image and write data/measurements.json, which the pages show.

    python -m harness.measure [EXAMPLE ...]   (nox -s measure [-- EXAMPLE ...]): time only these
    python -m harness.measure --copy-link     only the COPY --link rebuilds (key `copy_link`)
    python -m harness.measure --cross-build   only go-static's arm64 build, cross-compiled and
                                              emulated (key `cross_build`)

What it records, all from runs on this machine:
- per image (every target in docker-bake.hcl): size, layers, Debian packages, programs on
  PATH, the user it runs as;
- per example (data key `builds`), four build times of one target, in seconds, under
  `times_s`, measured on a fresh copy of the example in this order, so that each build starts
  from the state its name says:
    cold         `--no-cache`: no layer is reused, and every step runs with empty cache
                 mounts. BuildKit gives a step it runs because of `--no-cache` a new, empty
                 cache mount instead of the one earlier builds filled (tests/test_measurements.py
                 proves it on the engine at hand), so pip, npm and Next.js start from nothing.
                 The base images are already in the engine's image store: no download counted.
                 It runs on fresh copies of the base images, like base-update (below), so its
                 results land under cache keys of their own, not beside the real builds'.
    base-update  every step runs again, with the cache mounts the cold build filled: each base
                 image is replaced (`--build-context IMAGE=docker-image://...`) by another
                 fresh copy than the cold build's, with one small extra file, which changes
                 every step's cache key, as a new patch release of the base image does. No
                 `--no-cache`, so the cache mounts are kept.
    warm         the build on the real base images, whose steps the bake at the start of the
                 measurement left in the cache: nothing changed.
    edit         one line of application source changed (a comment appended), then built.
  and `cold_steps_s`, the sum of the times of the Dockerfile steps of the cold build (lines
  `#N [stage i/n] ...` and their `#N DONE 1.2s`; loading the build definition or context, base
  image metadata and exporting are not steps). `cold_steps_s / times_s.cold` is how much
  BuildKit ran in parallel: above 1, steps overlapped;
- the engine and buildx versions, the date, and each base image's size and whether it is
  official or a local stand-in.

- `copy_link`: examples/copy-flags' runner (`COPY --link`) and runner-unlinked (the same
  without it) rebuilt after an update of their runtime base image (debian:trixie-slim replaced
  by a fresh copy with one small extra file, as for base-update above), on each image store
  (harness.stores): the median of LINK_RUNS rebuilds of the wall time (`base_update_s`) and of
  the time BuildKit spent exporting layers (`export_s`), and whether BuildKit joined a linked
  layer to its stage (`merged`: a `merging` line in the log; the classic store turns --link
  off). `--copy-link` measures only these, and keeps the rest of the data file.

- `cross_build`: go-static's server built for linux/arm64 on the engine with the containerd
  image store (its base images exist for arm64 there), its build stage run again
  (`--no-cache-filter build`) after the engine's cache mounts were emptied, so the Go build
  cache starts empty: `cross_s` with Dockerfile (the stage runs on the build machine's
  platform and cross-compiles), `emulated_s` with Dockerfile.emulated (an arm64 Go toolchain
  runs the same `go build` under QEMU), and `emulator`, the QEMU that ran it (how fast a
  program runs emulated depends on QEMU's version, in either direction). Each time is the
  median of CROSS_RUNS builds, and both
  binaries are checked to be aarch64. `--cross-build` measures only these.

Each run is also added to data/history.json with the values that moved since the run before
(harness/history.py), which the page "what changed" shows.

Nothing is pruned: the builds use the engine's own builder and its build cache; the copies of
the base images (`guide/measure-base:*`) are removed right after the build that used them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

from harness import base_images, claims, history, images, stores
from harness.dockerfiles import EXAMPLES, REPO, TEMP_PREFIX, example_dockerfiles, external_images

DATA = REPO / "data" / "measurements.json"
BAKE = REPO / "docker-bake.hcl"

# The file whose one line a developer changes most often, and the target rebuilt after it.
EDITS = {
    "basic": ("src/server.ts", "runner", "//"),
    "python-api": ("app/main.py", "runner", "#"),
    "node-app": ("src/app.ts", "runner", "//"),
    "shared-stages": ("api/app.py", "api", "#"),
    "nextjs-standalone": ("app/page.tsx", "runner", "//"),
    "go-static": ("main.go", "runner", "//"),
    "python-uv": ("app/main.py", "runner", "#"),
}


def bake_targets() -> dict[str, dict]:
    result = subprocess.run(["docker", "buildx", "bake", "-f", str(BAKE), "--print"],
                            capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(result.stdout)["target"]


def image_key(tag: str) -> str:
    return tag.removeprefix("guide/")


def bake(*args: str) -> float:
    with images.build_lock():
        started = time.monotonic()
        subprocess.run(["docker", "buildx", "bake", "-f", str(BAKE), "--load", *args],
                       check=True, cwd=REPO, capture_output=True)
        return time.monotonic() - started


def programs_on_path(tag: str) -> int:
    script = ('for d in $(echo "$PATH" | tr ":" " "); do [ -d "$d" ] && '
              'find "$d" -maxdepth 1 \\( -type f -o -type l \\) -perm -u+x; done | sort -u | wc -l')
    code, output = images.run_output(tag, "sh", "-c", script, entrypoint="")
    return int(output.strip()) if code == 0 else -1


def part_of(path: str) -> str:
    """Which part of a runtime a file is: the interpreter (its program and standard library),
    the dependencies the app installed, the shared libraries they load, the app, or other."""
    if path.startswith("/app/node_modules/") or path.startswith("/usr/local/lib/python3.13/site-packages/"):
        return "dependencies"
    if path.startswith("/app/"):
        return "app"
    if path.startswith("/usr/local/bin/"):
        name = path.rsplit("/", 1)[1]
        return "interpreter" if name == "node" or name.startswith("python") else "dependencies"
    if path.startswith("/usr/local/lib/"):
        return "interpreter"
    if path.startswith(("/lib/", "/lib64/", "/usr/lib/")):
        return "libraries"
    return "other"


def parts(tag: str) -> dict[str, int]:
    """Bytes of regular files per part (see part_of), read from the image's files."""
    found = dict.fromkeys(("interpreter", "dependencies", "libraries", "app", "other"), 0)
    for path, size in images.file_sizes(tag).items():
        found[part_of(path)] += size
    return found


def describe(tag: str) -> dict:
    attrs = images.client().images.get(tag).attrs
    shell = images.has_shell(tag)
    described = {
        "size": attrs["Size"],
        "layers": len(attrs["RootFS"]["Layers"]),
        # An image without a shell (FROM scratch) has no dpkg either, and nothing on PATH.
        "packages": images.package_count(tag) if shell else 0,
        "programs": programs_on_path(tag) if shell else 0,
        "user": attrs["Config"].get("User") or "root",
    }
    if not shell:  # small enough to read whole: what the smallest runtimes are made of
        described["parts"] = parts(tag)
    return described


# A Dockerfile step in BuildKit's plain progress: `#12 [builder 3/5] RUN ...`, `#3 [2/2] COPY ...`.
# `[internal]` (build definition, context, metadata) and unbracketed lines (exporting) are not.
STEP = re.compile(r"^#(\d+) \[(?:[^\]\s]+ )?\d+/\d+\] ", re.MULTILINE)
DONE = re.compile(r"^#(\d+) DONE ([\d.]+)s$", re.MULTILINE)


def step_seconds(log: str) -> float:
    """The sum of the DONE times of the Dockerfile steps BuildKit ran: the build's serial work."""
    steps = set(STEP.findall(log))
    done = {number: float(seconds) for number, seconds in DONE.findall(log)}
    return sum(seconds for number, seconds in done.items() if number in steps)


def timed_build(context: Path, target: str, *, no_cache: bool = False,
                contexts: list[str] | None = None) -> images.Build:
    """Build one target like harness.images.buildx, without loading it; time it."""
    cmd = ["docker", "buildx", "build", "--progress=plain", "--label",
           f"{images.BUILT_BY}=harness", "--target", target]
    if no_cache:
        cmd.append("--no-cache")
    for context_arg in contexts or []:
        cmd += ["--build-context", context_arg]
    cmd.append(str(context))
    with images.build_lock():
        started = time.monotonic()
        result = subprocess.run(cmd, capture_output=True, text=True)
        seconds = time.monotonic() - started
    if result.returncode != 0:
        raise images.BuildFailed(cmd, result.stdout + result.stderr)
    return images.Build("", result.stderr, seconds)


def updated_bases(dockerfile: Path) -> dict[str, str]:
    """Copy each base image of `dockerfile` with one new small file: {image: copy's tag}.

    Building on a copy changes the cache key of every step, as a new release of the base image
    does, without `--no-cache` (which would also empty the cache mounts).
    """
    copies = {}
    for image in sorted(external_images(dockerfile)):
        copies[image] = "guide/measure-base:" + re.sub(r"[^A-Za-z0-9_.-]", "-", image)
        updated_base("classic", image, copies[image])
    return copies


def on_fresh_bases(copy: Path, build):
    """Run `build(contexts)` with every base image replaced by a fresh copy; remove the copies."""
    bases = updated_bases(copy / "Dockerfile")
    try:
        return build([f"{image}=docker-image://{tag}" for image, tag in bases.items()])
    finally:
        subprocess.run(["docker", "image", "rm", *bases.values()], capture_output=True)


def example_targets(targets: dict[str, dict], example: str) -> list[str]:
    return [name for name, t in targets.items() if t["context"] == f"examples/{example}"]


def build_times(example: str, targets: dict[str, dict]) -> dict:
    edit_file, edit_target, comment = EDITS[example]
    names = example_targets(targets, example)
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        copy = Path(tmp) / example
        shutil.copytree(EXAMPLES / example, copy, ignore=shutil.ignore_patterns("node_modules"))
        # Both run on fresh copies of the base images, each its own: every step's cache key
        # is new, so neither build leaves a second result under the keys the examples' real
        # builds use (BuildKit may then hand either one to a later build, and two targets
        # built apart would no longer share their common stage's layers).
        cold = on_fresh_bases(copy, lambda contexts: timed_build(
            copy, edit_target, no_cache=True, contexts=contexts))
        base_update = on_fresh_bases(copy, lambda contexts: timed_build(
            copy, edit_target, contexts=contexts))
        warm = timed_build(copy, edit_target)
        source = copy / edit_file
        source.write_text(source.read_text() + f"{comment} edited at {time.time_ns()}\n")
        edit = timed_build(copy, edit_target)
    return {
        "target": edit_target,
        "edited_file": edit_file,
        "times_s": {name: round(build.seconds, 1) for name, build in
                    (("cold", cold), ("base-update", base_update), ("warm", warm),
                     ("edit", edit))},
        "cold_steps_s": round(step_seconds(cold.log), 1),
        "targets": len(names),
    }


def engine() -> dict:
    """What the figures were measured on: engine, client, buildx, BuildKit, image store, platform."""
    version = images.client().version()
    info = images.client().info()
    buildx = subprocess.run(["docker", "buildx", "version"], capture_output=True, text=True).stdout
    builder = subprocess.run(["docker", "buildx", "inspect"], capture_output=True, text=True).stdout
    buildkit = re.search(r"^BuildKit version:\s*(\S+)", builder, re.MULTILINE)
    driver = re.search(r"^Driver:\s*(\S+)", builder, re.MULTILINE)
    # The containerd image store reports its snapshotter as the driver type; the classic store
    # (graph drivers such as overlay2) does not.
    containerd = any(pair[:1] == ["driver-type"] and "snapshotter" in pair[1]
                     for pair in info.get("DriverStatus") or [])
    return {
        "server": version["Version"], "api": version["ApiVersion"],
        "client": subprocess.run(["docker", "version", "-f", "{{.Client.Version}}"],
                                 capture_output=True, text=True).stdout.strip(),
        "buildx": buildx.split()[1] if buildx else "unknown",
        # Debian's build of the engine reports v0.0.0+unknown: then no version is claimed.
        "buildkit": buildkit.group(1) if buildkit and "unknown" not in buildkit.group(1) else None,
        "builder_driver": driver.group(1) if driver else "unknown",
        "image_store": "containerd" if containerd else "classic",
        "storage_driver": info.get("Driver"),
        "platform": f"{info.get('OSType')}/{version.get('Arch')}",
    }


# The same runner on both image stores, and on the containerd store the index of both platforms.
STORE_BUILDS = {
    "classic": {"go-static:runner": []},
    "containerd": {"go-static:runner": [], "go-static:multi": ["--platform", "linux/amd64,linux/arm64"]},
}


def store_sizes() -> dict:
    """What each image store reports for the same images: the size `docker images` lists, and
    the `.Size` of `docker image inspect` (for an index, that of this machine's platform)."""
    sizes: dict[str, dict] = {}
    for engine, builds in STORE_BUILDS.items():
        client = docker.DockerClient(base_url=stores.ENGINES[engine]) \
            if stores.ENGINES[engine] else images.client()
        sizes[engine] = {}
        for name, extra in builds.items():
            tag = f"guide/{name}"
            images.buildx(EXAMPLES / "go-static", target="runner", tag=tag, extra=extra, engine=engine)
            # What the docker CLI shows: on the containerd store it adds up each platform's
            # content and unpacked layers, which the API's list entry does not.
            shown = subprocess.run(["docker", "images", "--format", "{{.Size}}", tag],
                                   env=stores.environment(engine), check=True, capture_output=True,
                                   text=True).stdout.split()[0]
            sizes[engine][name] = {"list": claims.parse_bytes(shown),
                                   "inspect": client.images.get(tag).attrs["Size"]}
    return sizes


# COPY --link, measured: the rebuild after a runtime base image update, with and without it.
LINK_EXAMPLE = "copy-flags"
LINK_TARGETS = {"linked": "runner", "unlinked": "runner-unlinked"}
LINK_BASE = "debian:trixie-slim"
LINK_RUNS = 3
# In BuildKit's plain progress: the layers exported, and a linked COPY being joined to its stage.
EXPORT = re.compile(r"^#\d+ exporting layers ([\d.]+)s done$", re.MULTILINE)
MERGING = re.compile(r"^#\d+ merging ", re.MULTILINE)


def export_seconds(log: str) -> float:
    """How long the build took to export its layers (0 when it names no time)."""
    return sum(float(seconds) for seconds in EXPORT.findall(log))


def updated_base(engine: str, image: str, tag: str) -> None:
    """`tag` on `engine`: a fresh copy of `image` with one new small file (see updated_bases);
    the one way the measurements make a base image update."""
    recipe = f"FROM {image}\nCOPY <<EOF /.measure-base-update\n{time.time_ns()}\nEOF\n"
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as empty, images.build_lock():
        subprocess.run(["docker", "build", "-q", "-t", tag, "--label", f"{images.BUILT_BY}=harness",
                        "-f", "-", empty], input=recipe, capture_output=True, text=True, check=True,
                       env=stores.environment(engine))


def link_rebuilds() -> dict:
    """{store: {linked|unlinked: {base_update_s, export_s, merged}}}, see the docstring."""
    context = EXAMPLES / LINK_EXAMPLE
    found: dict[str, dict] = {}
    for engine in stores.ENGINES:
        found[engine] = {}
        for flavor, target in LINK_TARGETS.items():
            tag = f"guide/{LINK_EXAMPLE}:{target}-link-measure"
            seconds, exports, merged = [], [], set()
            for _ in range(LINK_RUNS):
                base_tag = "guide/measure-base:link"
                images.buildx(context, target=target, tag=tag, engine=engine)  # the cache, filled
                updated_base(engine, LINK_BASE, base_tag)
                try:
                    build = images.buildx(context, target=target, tag=tag, engine=engine, extra=[
                        "--build-context", f"{LINK_BASE}=docker-image://{base_tag}"])
                finally:
                    subprocess.run(["docker", "image", "rm", tag, base_tag], capture_output=True,
                                   env=stores.environment(engine))
                seconds.append(build.seconds)
                exports.append(export_seconds(build.log))
                merged.add(bool(MERGING.search(build.log)))
            found[engine][flavor] = {"base_update_s": median(seconds), "export_s": median(exports),
                                     "merged": merged == {True}}
    return found


CROSS_EXAMPLE = "go-static"
CROSS_WAYS = {"cross_s": "Dockerfile", "emulated_s": "Dockerfile.emulated"}
CROSS_PLATFORM = "linux/arm64"
CROSS_RUNS = 3


BINFMT_AARCH64 = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64")


def emulator() -> str:
    """The QEMU that binfmt_misc runs arm64 programs with here, as 'QEMU 10.0.13'."""
    if not BINFMT_AARCH64.exists():
        raise SystemExit(f"measure: no arm64 emulator is registered ({BINFMT_AARCH64} is missing); "
                         "register one with `bash scripts/ensure-arm64.sh`")
    interpreter = re.search(r"^interpreter (\S+)", BINFMT_AARCH64.read_text(), re.MULTILINE).group(1)
    # Debian registers a link named *-binfmt-P, and QEMU refuses to run by that name directly.
    version = subprocess.run([str(Path(interpreter).resolve()), "--version"],
                             capture_output=True, text=True).stdout
    found = re.match(r"qemu-aarch64 version (\d[\d.]*)", version)
    if not found:
        raise SystemExit(f"measure: {interpreter} does not say which QEMU it is: {version!r}")
    return f"QEMU {found.group(1)}"


def cross_build() -> dict:
    """{platform, emulator, cross_s, emulated_s}: see the docstring."""
    context = EXAMPLES / CROSS_EXAMPLE
    found: dict[str, object] = {"platform": CROSS_PLATFORM, "emulator": emulator()}
    for key, name in CROSS_WAYS.items():
        seconds = []
        for run in range(CROSS_RUNS + 1):  # the first fills the layer cache: toolchain, sources
            with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as out:
                subprocess.run(["docker", "buildx", "prune", "-f", "--filter", "type=exec.cachemount"],
                               env=stores.environment("containerd"), check=True, capture_output=True)
                build = images.buildx(context, target="binary", dockerfile=context / name, load=False,
                                      engine="containerd", extra=[
                                          "--platform", CROSS_PLATFORM, "--no-cache-filter", "build",
                                          "--output", f"type=local,dest={out}"])
                cpu, _ = claims.elf_header((Path(out) / "server").read_bytes())
                if cpu != "aarch64":
                    raise SystemExit(f"measure: {name} built a {cpu} server, not an aarch64 one")
            if run:
                seconds.append(build.seconds)
        found[key] = median(seconds)
    return found


def measure_only(key: str, measured) -> dict:
    """The data file with only `key` measured again (and the date of this run)."""
    data = json.loads(DATA.read_text())
    data["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    data[key] = measured()
    return data


def median(values: list[float]) -> float:
    return round(sorted(values)[len(values) // 2], 2)


def base_image_facts() -> dict:
    facts = {}
    for image in sorted({i for f in example_dockerfiles() for i in external_images(f)}):
        facts[image] = {"provenance": base_images.provenance(image), "size": images.size(image)}
    return facts


def measure(only: list[str]) -> dict:
    """Describe every image of the bake file; time the builds of `only` (every example when
    empty), keeping the other examples' times from the data file."""
    targets = bake_targets()
    bake_all_s = bake()
    data = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine(),
        "stores": store_sizes(),
        "base_images": base_image_facts(),
        "bake_all_warm_s": round(bake_all_s, 1),
        "images": {},
        "builds": json.loads(DATA.read_text())["builds"] if only else {},
        "copy_link": link_rebuilds(),
        "cross_build": cross_build(),
    }
    for target in targets.values():
        for tag in target["tags"]:
            data["images"][image_key(tag)] = describe(tag)
    for example in only or EDITS:
        print(f"measure: build times of {example}", file=sys.stderr, flush=True)
        data["builds"][example] = build_times(example, targets)
    return data


def main(argv: list[str]) -> int:
    if argv == ["--copy-link"]:
        return write(measure_only("copy_link", link_rebuilds))
    if argv == ["--cross-build"]:
        return write(measure_only("cross_build", cross_build))
    unknown = sorted(set(argv) - EDITS.keys())
    if unknown:
        print(f"measure: no example {', '.join(unknown)}; the examples are {', '.join(EDITS)}",
              file=sys.stderr)
        return 2
    return write(measure(argv))


def write(data: dict) -> int:
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"measure: wrote {DATA.relative_to(REPO)} ({len(data['images'])} images)", file=sys.stderr)
    # The run joins the history beside the data file, so that every clone has it (the page
    # "what changed" is built from it, and CI may check out one commit without git history).
    beside = DATA.with_name(history.HISTORY.name)
    run = history.record(data, beside)
    print(f"measure: added the run to {beside.relative_to(REPO)} "
          f"({len(run['moved'])} values moved)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
