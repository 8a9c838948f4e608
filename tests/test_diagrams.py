"""The stage graphs pages show (`{{ stages EXAMPLE }}`): inline SVG drawn from the Dockerfile at
build time by harness/diagrams.py. No Docker needed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from harness import diagrams
from harness.dockerfiles import EXAMPLES, parse

SVG = "{http://www.w3.org/2000/svg}"


def drawn(path, lang="en") -> ET.Element:
    html = diagrams.svg(path, lang)
    assert html.startswith('<div class="stage-graph"><svg') and html.endswith("</svg></div>")
    assert "\n" not in html  # one raw HTML block for Markdown
    return ET.fromstring(html)[0]  # parses as XML; the <svg> inside the <div>


def nodes(svg: ET.Element, kind: str) -> dict[str, ET.Element]:
    return {g.find(f"{SVG}text").text: g for g in svg.iter(f"{SVG}g")
            if g.get("class") == f"node {kind}"}


def edges(svg: ET.Element, kind: str) -> list[ET.Element]:
    return [p for p in svg.iter(f"{SVG}path") if p.get("class") == f"edge {kind}"]


def test_python_api_has_a_node_per_stage_and_base_image_and_an_edge_per_from_and_copy():
    svg = drawn(EXAMPLES / "python-api" / "Dockerfile")
    found = parse(EXAMPLES / "python-api" / "Dockerfile")
    assert set(nodes(svg, "stage")) == {s.ref for s in found} >= {"base", "builder", "test", "dev", "runner"}
    assert set(nodes(svg, "image")) == {"python:3.13-slim", "scratch"}
    assert len(edges(svg, "from")) == len(found)
    # One edge per stage a stage copies from (test also starts FROM builder: two edges, two kinds).
    copies = sum(len(set(s.copies_from())) for s in found)
    assert copies >= 3 and len(edges(svg, "copy")) == copies
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "edge-label"]
    assert [t.text for t in labels] == ["COPY"] * copies
    assert all(p.get("marker-end") for p in edges(svg, "from") + edges(svg, "copy"))


def test_the_diagram_is_accessible_and_scales():
    svg = drawn(EXAMPLES / "python-api" / "Dockerfile")
    title = svg.find(f"{SVG}title").text
    assert svg.get("role") == "img" and svg.get("aria-label") == title
    assert title.startswith("Stages of examples/python-api/Dockerfile: base from python:3.13-slim; ")
    assert "test-run from builder, copies from builder; test from test-run;" in title
    _, _, width, height = map(float, svg.get("viewBox").split())
    assert width > 0 and height > 0
    korean = drawn(EXAMPLES / "python-api" / "Dockerfile", "ko").find(f"{SVG}title").text
    assert korean.startswith("examples/python-api/Dockerfile의 스테이지: base (python:3.13-slim에서 시작)")


@pytest.mark.parametrize("example", ["basic", "python-api", "node-app", "arg-scope", "shared-stages"])
def test_every_label_fits_its_box_and_every_box_the_view(example):
    svg = drawn(EXAMPLES / example / "Dockerfile")
    _, _, width, height = map(float, svg.get("viewBox").split())
    for kind in ("stage", "image"):
        for label, group in nodes(svg, kind).items():
            rect = group.find(f"{SVG}rect")
            x, y, w, h = (float(rect.get(a)) for a in ("x", "y", "width", "height"))
            # A monospace character at the SVG's font size is about 0.6 em wide.
            assert w >= len(label) * 0.6 * diagrams.FONT + 8, label
            assert 0 <= x and x + w <= width and 0 <= y and y + h <= height, label


def test_a_new_stage_shows_up(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    source = (EXAMPLES / "python-api" / "Dockerfile").read_text()
    dockerfile.write_text(source + "\nFROM debian:trixie-slim AS audit\n"
                          "COPY --from=runner /app /app\n"
                          'CMD ["ls", "/app"]\n')
    svg = drawn(dockerfile)
    assert "audit" in nodes(svg, "stage") and "debian:trixie-slim" in nodes(svg, "image")
    before = parse(EXAMPLES / "python-api" / "Dockerfile")
    copies = sum(len(set(s.copies_from())) for s in before)
    assert len(edges(svg, "from")) == len(before) + 1 and len(edges(svg, "copy")) == copies + 1
    assert "audit from debian:trixie-slim, copies from runner" in svg.find(f"{SVG}title").text
