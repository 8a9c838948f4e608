"""The foundation: base images the examples name exist here under their official names,
stand-ins are labelled and faithful in size, and a two-stage build on them really works."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness import base_images, images
from harness.dockerfiles import REPO, example_dockerfiles, external_images, stages

OFFICIAL = json.loads((REPO / "base-images" / "official-sizes.json").read_text())
NEEDED = sorted(base_images.needed_images())


def test_examples_name_only_images_with_a_recipe_or_a_registry():
    assert NEEDED, "no example names a base image"
    assert set(NEEDED) <= set(base_images.RECIPES), set(NEEDED) - set(base_images.RECIPES)


@pytest.mark.parametrize("image", NEEDED)
def test_every_needed_base_image_is_here(image):
    assert base_images.present(image)


@pytest.mark.parametrize("image", sorted(OFFICIAL.keys() - {"_about"}))
def test_a_stand_in_is_labelled_and_within_10_percent_of_the_official_size(image):
    if not base_images.present(image) or base_images.provenance(image) == "official":
        pytest.skip(f"{image} is the official image here, not a stand-in")
    labels = images.client().images.get(image).attrs["Config"]["Labels"]
    assert labels[base_images.LABEL] == "true"
    assert labels["org.opencontainers.image.title"] == image
    assert labels[f"{base_images.LABEL}.sources"]
    official = OFFICIAL[image]["size_mb"] * 10**6
    size = images.size(image)
    assert abs(size - official) / official <= 0.10, f"{image}: {size / 1e6:.1f} MB vs {official / 1e6:.1f} MB"


def test_the_python_stand_in_pins_its_source_by_checksum():
    labels = images.client().images.get("python:3.13-slim").attrs["Config"]["Labels"]
    if labels.get(base_images.LABEL) != "true":
        pytest.skip("python:3.13-slim is the official image here")
    pinned = ("python3.13_3.13.5.orig.tar.xz#sha256:"
              "93e583f243454e6e9e4588ca2c2662206ad961659863277afcdb96801647d640")
    assert pinned in labels[f"{base_images.LABEL}.sources"]


def test_stand_ins_behave_like_the_official_images():
    code, out = images.run_output("python:3.13-slim", "python", "-c",
                                  "import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline; print('ok')")
    assert (code, out.strip()) == (0, "ok")
    code, out = images.run_output("node:24-slim", "sh", "-c", "id -u node; node -v; npm -v; yarn -v",
                                  entrypoint="")
    assert code == 0 and out.split()[0] == "1000" and out.split()[1].startswith("v24.")
    # The official entrypoint runs a file argument with node.
    container = images.start("node:24-slim", ["-e", "console.log(6*7)"])
    try:
        container.wait(timeout=60)
        assert container.logs().decode().strip() == "42"
    finally:
        container.remove(force=True)


def test_an_image_without_a_recipe_fails_naming_the_image_and_dockerfile(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM example.invalid/nothing:1 AS runner\n")
    result = subprocess.run(
        [sys.executable, "-c",
         "from pathlib import Path; from harness import base_images as b;"
         f"b.ensure('example.invalid/nothing:1', Path({str(dockerfile)!r}))"],
        cwd=REPO, capture_output=True, text=True)
    assert result.returncode != 0
    assert "example.invalid/nothing:1" in result.stderr and str(dockerfile) in result.stderr
    assert "no recipe" in result.stderr


def test_stage_names_and_copy_sources_are_not_taken_for_images():
    text = ("FROM python:3.13-slim AS base\nFROM base AS builder\n"
            "RUN --mount=type=cache,target=/c,from=base true\n"
            "FROM node:24-slim AS runner\nCOPY --from=builder /a /a\n")
    assert [s.ref for s in stages(text)] == ["base", "builder", "runner"]
    path = REPO / "tests" / "fixtures" / "tiny" / "Dockerfile"
    assert external_images(path) == {"debian:trixie-slim"}


def test_no_example_dockerfile_has_a_syntax_line():
    # `# syntax=` pulls the frontend from Docker Hub: it cannot build offline.
    offenders = [str(p.relative_to(REPO)) for p in example_dockerfiles()
                 if p.read_text().lstrip().lower().startswith("# syntax")]
    assert offenders == []


def test_two_stage_psycopg2_build_keeps_the_compiler_out_of_the_runner(tmp_path):
    """The foundation issue's first real test, on its own small Dockerfile."""
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.13-slim AS builder\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev"
        " && rm -rf /var/lib/apt/lists/*\n"
        "RUN pip install --no-cache-dir --prefix=/install psycopg2==2.9.10\n"
        "FROM python:3.13-slim AS runner\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libpq5"
        " && rm -rf /var/lib/apt/lists/*\n"
        "COPY --from=builder /install /usr/local\n")
    builder = images.buildx(tmp_path, target="builder", tag="guide/foundation:builder")
    runner = images.buildx(tmp_path, target="runner", tag="guide/foundation:runner")
    assert images.has_program(builder.tag, "gcc")
    assert not images.has_program(runner.tag, "gcc")
    code, out = images.run_output(runner.tag, "python", "-c", "import psycopg2; print(psycopg2.__version__)")
    assert code == 0 and out.startswith("2.9.10"), out
