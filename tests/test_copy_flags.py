"""examples/copy-flags: the newer COPY flags, each proven on the image it builds.

- `--exclude` leaves the same files out as a Dockerfile-specific ignore file
  (Dockerfile.ignorefile with Dockerfile.ignorefile.dockerignore);
- `--chmod=0444` makes the app read-only in the COPY's own layer: the same modes as a separate
  `RUN chmod`, one layer fewer;
- `--link` is in effect on the engine with the containerd image store (BuildKit merges the
  linked layers) and turned off on the classic store; data/measurements.json holds the rebuild
  after a base image update with and without it (harness.measure --copy-link);
- `--parents` is refused by this engine's built-in Dockerfile frontend, which predates the
  version data/features.toml gives for it.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

from harness import claims, features, images
from harness.dockerfiles import EXAMPLES
from harness.measure import DATA, MERGING

EXAMPLE = "copy-flags"
TARGETS = ["node", "runner", "runner-unlinked", "runner-run-chmod"]
RUNNERS = ["runner", "runner-unlinked", "runner-run-chmod", "ignorefile"]
PORT = 8080
APP = ["/app/config.json", "/app/greeting.js", "/app/server.js"]
LEFT_OUT = ["/app/greeting.test.js", "/app/NOTES.md"]


@pytest.fixture(scope="module")
def tags() -> dict[str, str]:
    built = {target: images.build(EXAMPLE, target).tag for target in TARGETS}
    built["ignorefile"] = images.build(EXAMPLE, dockerfile="Dockerfile.ignorefile").tag
    return built


def app_files(tag: str) -> list[str]:
    return sorted(path for path in images.files(tag) if path.startswith("/app/"))


@pytest.mark.parametrize("target", TARGETS + ["ignorefile"])
def test_every_target_builds(tags, target):
    assert images.client().images.get(tags[target])


def test_the_context_holds_what_the_images_leave_out():
    for path in LEFT_OUT:
        assert (EXAMPLES / EXAMPLE / path.removeprefix("/")).is_file(), path


@pytest.mark.parametrize("target", RUNNERS)
def test_exclude_and_the_ignore_file_leave_out_the_same_files(tags, target):
    assert app_files(tags[target]) == APP
    assert claims.check(f"absent {tags[target]} {' '.join(LEFT_OUT)}") is None


@pytest.mark.parametrize("target", RUNNERS)
def test_the_app_is_read_only_and_owned_by_root(tags, target):
    code, out = images.run_output(tags[target], "stat", "-c", "%a %u %n", *APP)
    assert code == 0, out
    assert out.split("\n")[:3] == [f"444 0 {path}" for path in APP]
    code, out = images.run_output(tags[target], "sh", "-c", "echo x >> /app/server.js")
    assert code != 0 and "Permission denied" in out, out


def test_chmod_in_the_copy_saves_the_layer_of_a_separate_run_chmod(tags):
    layers = {t: len(images.client().images.get(tags[t]).attrs["RootFS"]["Layers"])
              for t in ("runner", "runner-run-chmod")}
    assert layers["runner-run-chmod"] == layers["runner"] + 1, layers
    assert "chmod" in images.history_text(tags["runner-run-chmod"])
    assert "RUN" not in images.history_text(tags["runner"])


@pytest.mark.parametrize("target", RUNNERS)
def test_runners_run_as_a_numeric_non_root_user(tags, target):
    assert images.config_user(tags[target]) == "10001:10001"
    assert claims.check(f"user {tags[target]} numeric") is None


def test_runner_answers_health_and_stops_on_sigterm(tags):
    with images.running(tags["runner"], PORT) as (container, url):
        status, body = images.wait_http(url + "/health")
        assert (status, body) == (200, b"ok\n")
        assert images.wait_http(url + "/") == (200, b"hello, copy-flags\n")
        _, code = images.stop(container)
    assert code == 0


@pytest.mark.parametrize("engine, merged", [("classic", False), ("containerd", True)])
def test_link_is_merged_only_on_the_containerd_store(engine, merged):
    """BuildKit joins a linked layer to its stage (`merging` in the log) only where the image
    store can; on the classic store Engine 28.5.2 turns --link off."""
    for target, linked in (("runner", merged), ("runner-unlinked", False)):
        build = images.buildx(EXAMPLES / EXAMPLE, target=target, engine=engine, load=False,
                              extra=["--no-cache"])
        assert bool(MERGING.search(build.log)) == linked, (engine, target)


def test_the_link_measurement_shows_the_store_where_it_works():
    measured = json.loads(DATA.read_text())["copy_link"]
    assert measured["containerd"]["linked"]["merged"] is True
    assert not any(m["merged"] for m in measured["classic"].values())
    assert measured["containerd"]["unlinked"]["merged"] is False
    containerd = measured["containerd"]
    assert containerd["linked"]["base_update_s"] < containerd["unlinked"]["base_update_s"]
    assert containerd["linked"]["export_s"] < containerd["unlinked"]["export_s"]


def test_parents_is_refused_by_this_engines_frontend():
    """The built-in frontend (no `# syntax=`) of Engine 28.5.2 does not know --parents; the
    version table gives the engine that brings the frontend that does."""
    with tempfile.TemporaryDirectory() as context:
        dockerfile = f"{context}/Dockerfile"
        with open(dockerfile, "w") as handle:
            handle.write("FROM debian:trixie-slim\nCOPY --parents packages/*/package.json /src/\n")
        with pytest.raises(images.BuildFailed) as failed:
            images.buildx(Path(context), load=False)
    assert "dockerfile parse error on line 2: unknown flag: --parents" in failed.value.output
    row = next(f for f in features.load() if f.id == "copy-parents")
    server = images.client().version()["Version"]
    wanted = tuple(int(n) for n in row.cells["engine"].version.split("."))
    assert tuple(int(n) for n in re.findall(r"\d+", server)[:2]) < wanted
