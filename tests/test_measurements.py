"""data/measurements.json is what the pages show: it must describe the images as they build now."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest

from harness import images
from harness.dockerfiles import REPO
from harness.measure import (
    BAKE,
    DATA,
    EDITS,
    bake_targets,
    emulator,
    step_seconds,
    timed_build,
    updated_bases,
)
from harness.tokens import TIMES

TOLERANCE = 0.10
DATA_NOW = json.loads(DATA.read_text()) if DATA.exists() else None


@pytest.fixture(scope="module")
def baked():
    """Build every target of docker-bake.hcl once (cached after the example tests)."""
    with images.build_lock():
        subprocess.run(["docker", "buildx", "bake", "-f", str(BAKE), "--load"], cwd=REPO,
                       check=True, capture_output=True)
    return bake_targets()


def test_the_data_file_exists():
    assert DATA_NOW is not None, "data/measurements.json is missing: run `nox -s measure`"


def test_every_bake_target_is_measured(baked):
    tags = {tag.removeprefix("guide/") for target in baked.values() for tag in target["tags"]}
    assert tags == set(DATA_NOW["images"]), "run `nox -s measure`"


@pytest.mark.parametrize("key", sorted((DATA_NOW or {}).get("images", {})))
def test_recorded_sizes_are_not_stale(baked, key):
    recorded = DATA_NOW["images"][key]["size"]
    now = images.size(f"guide/{key}")
    change = abs(now - recorded) / recorded
    assert change <= TOLERANCE, (
        f"data/measurements.json is stale for {key}: recorded {recorded / 1e6:.1f} MB, "
        f"now {now / 1e6:.1f} MB ({change:.0%}); run `nox -s measure`")


def test_recorded_facts_come_from_runs():
    for example, build in DATA_NOW["builds"].items():
        times = build["times_s"]
        assert 0 < times["warm"] <= times["base-update"], example
        assert times["warm"] <= times["cold"], example
        assert build["cold_steps_s"] > 0, example
    assert DATA_NOW["engine"]["server"] and DATA_NOW["generated_at"]


def test_the_emulated_build_was_timed_with_the_emulator_registered_now():
    """How long an emulated build takes depends on the QEMU that runs it: here trixie's 10.0
    imported python-api's app five times faster than Debian 12's 7.2, and compiled Go slower."""
    recorded = DATA_NOW["cross_build"].get("emulator")
    now = emulator()
    assert recorded == now, (
        f"data/measurements.json timed the emulated build with {recorded or 'an unrecorded emulator'}, "
        f"and {now} runs arm64 programs now: run `nox -s measure -- --cross-build`")


@pytest.mark.parametrize("example", sorted(EDITS))
def test_every_example_has_its_four_build_times(example):
    build = DATA_NOW["builds"].get(example)
    assert build, f"no build times of {example}: run `nox -s measure`"
    assert set(build["times_s"]) == set(TIMES), f"{example}: {sorted(build['times_s'])}"
    assert all(isinstance(t, (int, float)) and t > 0 for t in build["times_s"].values()), example
    assert build["cold_steps_s"] > 0 and build["target"] and build["edited_file"], example


def test_every_base_image_has_a_size_and_an_origin():
    for image, facts in DATA_NOW["base_images"].items():
        assert facts["size"] > 0 and facts["provenance"] in ("official", "stand-in"), image


# A cold build's plain progress (BuildKit 0.13, docker driver), cut down: the build definition,
# metadata, .dockerignore and context (#1-#4) and exporting (#12) are not Dockerfile steps.
LOG = """\
#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 1.09kB done
#1 DONE 0.1s

#2 [internal] load metadata for docker.io/library/node:24-slim
#2 DONE 0.3s

#3 [internal] load .dockerignore
#3 transferring context: 143B done
#3 DONE 0.2s

#4 [internal] load build context
#4 transferring context: 95.01kB 0.1s done
#4 DONE 4.0s

#5 [deps 1/4] FROM docker.io/library/node:24-slim
#5 DONE 0.0s

#6 [deps 2/4] WORKDIR /app
#6 DONE 0.5s

#7 [deps 3/4] COPY package.json package-lock.json ./
#7 DONE 0.5s

#8 [deps 4/4] RUN --mount=type=cache,target=/root/.npm     npm ci
#9 [prod-deps 4/4] RUN --mount=type=cache,target=/root/.npm     npm ci --omit=dev
#8 3.102 added 120 packages in 3s
#8 DONE 3.5s
#9 2.001 added 80 packages in 2s
#9 DONE 2.5s

#10 [builder 2/3] COPY src/ src/
#10 CACHED

#11 [3/3] RUN npm run build
#11 DONE 1.0s

#12 exporting to image
#12 exporting layers 7.0s done
#12 writing image sha256:0123abcd done
#12 DONE 7.0s
"""


def test_step_time_counts_only_dockerfile_steps():
    # 0.0 + 0.5 + 0.5 + 3.5 + 2.5 + 1.0; a cached step has no DONE time.
    assert step_seconds(LOG) == pytest.approx(8.0)
    # Every DONE line would also count loading the definition and context, metadata and
    # exporting (#1-#4, #12: 11.6 s).
    every_done = sum(float(s) for s in re.findall(r"^#\d+ DONE ([\d.]+)s$", LOG, re.MULTILINE))
    assert every_done == pytest.approx(19.6)


PROBE = REPO / "tests" / "fixtures" / "cache-mount-probe"


def entries(log: str) -> int:
    """How many entries the probe's step saw in its cache mount; fails if the step was cached."""
    return int(re.search(r"^#\d+ [\d.]+ entries: (\d+)$", log, re.MULTILINE).group(1))


def test_the_cold_build_sees_empty_cache_mounts_and_the_base_update_filled_ones(tmp_path):
    """What `times_s` rests on: `--no-cache` (cold) runs a step with an empty cache mount, even
    though earlier builds filled it; the base-image copy (base-update) runs every step again
    with the cache mount as the cold build left it."""
    for nonce in ("fill", "see"):
        seen = entries(images.buildx(PROBE, load=False, build_args={"NONCE": f"{nonce}-{time.time_ns()}"},
                                     extra=["--output", "type=cacheonly"]).log)
    assert seen >= 1, "the probe's cache mount did not keep its content between builds"
    assert entries(timed_build(PROBE, "probe", no_cache=True).log) == 0
    bases = updated_bases(PROBE / "Dockerfile")
    try:
        log = timed_build(PROBE, "probe", contexts=[f"{i}=docker-image://{t}" for i, t in bases.items()]).log
    finally:
        subprocess.run(["docker", "image", "rm", *bases.values()], capture_output=True)
    assert entries(log) == 1, "the base update did not run the step with the cold build's cache mount"
