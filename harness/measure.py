"""Measure every example image and write data/measurements.json, which the pages show.

    python -m harness.measure      (nox -s measure)

What it records, all from runs on this machine:
- per image (every target in docker-bake.hcl): size, layers, Debian packages, programs on
  PATH, the user it runs as;
- per example: a cold build (no cache), a warm rebuild (nothing changed), and an edit rebuild
  (one line of application source changed, on a copy), and how much BuildKit ran in parallel
  (the sum of step times over the wall time of the cold build);
- the engine and buildx versions, the date, and whether each base image is official or a
  local stand-in.
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

from harness import base_images, images
from harness.dockerfiles import EXAMPLES, REPO, example_dockerfiles, external_images

DATA = REPO / "data" / "measurements.json"
BAKE = REPO / "docker-bake.hcl"

# The file whose one line a developer changes most often, and the target rebuilt after it.
EDITS = {
    "basic": ("src/server.ts", "runner", "//"),
    "python-api": ("app/main.py", "runner", "#"),
    "node-app": ("src/app.ts", "runner", "//"),
    "shared-stages": ("api/app.py", "api", "#"),
    "nextjs-standalone": ("app/page.tsx", "runner", "//"),
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


def describe(tag: str) -> dict:
    attrs = images.client().images.get(tag).attrs
    return {
        "size": attrs["Size"],
        "layers": len(attrs["RootFS"]["Layers"]),
        "packages": images.package_count(tag),
        "programs": programs_on_path(tag),
        "user": attrs["Config"].get("User") or "root",
    }


def step_seconds(log: str) -> float:
    """The sum of the DONE times of the steps BuildKit ran: the build's serial work."""
    return sum(float(s) for s in re.findall(r"^#\d+ DONE ([\d.]+)s$", log, re.MULTILINE))


def example_targets(targets: dict[str, dict], example: str) -> list[str]:
    return [name for name, t in targets.items() if t["context"] == f"examples/{example}"]


def build_times(example: str, targets: dict[str, dict]) -> dict:
    edit_file, edit_target, comment = EDITS[example]
    names = example_targets(targets, example)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / example
        shutil.copytree(EXAMPLES / example, copy, ignore=shutil.ignore_patterns("node_modules"))
        cold = images.buildx(copy, target=edit_target, extra=["--no-cache"], load=False)
        warm = images.buildx(copy, target=edit_target, load=False)
        source = copy / edit_file
        source.write_text(source.read_text() + f"{comment} edited at {time.time_ns()}\n")
        edit = images.buildx(copy, target=edit_target, load=False)
    return {
        "target": edit_target,
        "edited_file": edit_file,
        "cold_s": round(cold.seconds, 1),
        "cold_steps_s": round(step_seconds(cold.log), 1),
        "warm_s": round(warm.seconds, 1),
        "edit_s": round(edit.seconds, 1),
        "targets": len(names),
    }


def engine() -> dict:
    version = images.client().version()
    buildx = subprocess.run(["docker", "buildx", "version"], capture_output=True, text=True).stdout
    return {"server": version["Version"], "api": version["ApiVersion"],
            "buildx": buildx.split()[1] if buildx else "unknown"}


def base_image_facts() -> dict:
    facts = {}
    for image in sorted({i for f in example_dockerfiles() for i in external_images(f)}):
        facts[image] = {"provenance": base_images.provenance(image), "size": images.size(image)}
    return facts


def measure() -> dict:
    targets = bake_targets()
    bake_all_s = bake()
    data = {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": engine(),
        "base_images": base_image_facts(),
        "bake_all_warm_s": round(bake_all_s, 1),
        "images": {},
        "builds": {},
    }
    for target in targets.values():
        for tag in target["tags"]:
            data["images"][image_key(tag)] = describe(tag)
    for example in EDITS:
        print(f"measure: build times of {example}", file=sys.stderr, flush=True)
        data["builds"][example] = build_times(example, targets)
    return data


def main() -> int:
    data = measure()
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(f"measure: wrote {DATA.relative_to(REPO)} ({len(data['images'])} images)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
