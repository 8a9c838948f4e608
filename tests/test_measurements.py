"""data/measurements.json is what the pages show: it must describe the images as they build now."""

from __future__ import annotations

import json
import subprocess

import pytest

from harness import images
from harness.dockerfiles import REPO
from harness.measure import BAKE, DATA, bake_targets

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
        assert 0 < build["warm_s"] <= build["cold_s"], example
        assert build["cold_steps_s"] > 0, example
    assert DATA_NOW["engine"]["server"] and DATA_NOW["generated_at"]
