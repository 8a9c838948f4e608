"""The stage graph of a Dockerfile as an inline SVG, drawn at build time (no JavaScript).

Base images are rounded nodes, stages are boxes; FROM edges are solid, COPY --from (and
RUN --mount=...,from=) edges are dashed and labelled COPY. Left to right, like the build.

The layout is a layered (Sugiyama-style) drawing computed with networkx: layers from its
topological generations, long edges split by dummy nodes so they pass between boxes, and
each layer ordered by the barycentre of its predecessors. networkx because it is pure Python
(no system package such as graphviz, and none of its optional numpy/scipy extras are needed
for this), BSD-licensed and actively maintained; grandalf, the other candidate (a Sugiyama
layout of its own), has not had a release since 2023.

Colours come from CSS (overrides/assets/stylesheets/extra.css, `.stage-graph`), so the
diagram follows Material's light and dark palettes.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import networkx as nx

from harness.dockerfiles import REPO, parse

FONT = 14  # px, the labels' font size in the SVG's own units
CHAR = 9  # a generous width per ASCII character at that size (monospace is ~8.4)
PAD_X, BOX_H, ROW_GAP, COL_GAP, MARGIN = 14, 34, 20, 96, 10

WORDS = {
    "ko": {"title": "{}의 스테이지: {}", "from": "{}에서 시작", "copy": "{}에서 COPY",
           "stage": "{} ({})", "sep": "; "},
    "en": {"title": "Stages of {}: {}", "from": "from {}", "copy": "copies from {}",
           "stage": "{} {}", "sep": "; "},
}


def graph(path: Path) -> nx.MultiDiGraph:
    """Nodes: stage refs and base images (attribute kind "stage" or "image", label);
    edges: kind "from" or "copy", one per distinct pair and kind."""
    found = parse(path)
    g = nx.MultiDiGraph()
    for stage in found:
        g.add_node(stage.ref.lower(), kind="stage", label=stage.ref)
    names: set[str] = set()  # a stage can only use the stages above it
    for stage in found:
        node = stage.ref.lower()
        base = stage.base.lower() if stage.base.lower() in names else f"image:{stage.base}"
        if base not in g:
            g.add_node(base, kind="image", label=stage.base)
        g.add_edge(base, node, key="from", kind="from")
        for source in dict.fromkeys(s.lower() for s in stage.copies_from()):
            if source in names:
                g.add_edge(source, node, key="copy", kind="copy")
        names.add(node)
    return g


def describe(g: nx.MultiDiGraph, where: str, lang: str) -> str:
    """The text alternative: every stage, what it starts from and what it copies from."""
    w = WORDS[lang]
    parts = []
    for node, data in g.nodes(data=True):
        if data["kind"] != "stage":
            continue
        facts = []
        for source, _, kind in g.in_edges(node, data="kind"):
            label = g.nodes[source]["label"]
            facts.append(w["from" if kind == "from" else "copy"].format(label))
        parts.append(w["stage"].format(data["label"], ", ".join(facts)))
    return w["title"].format(where, w["sep"].join(parts))


def layout(g: nx.MultiDiGraph) -> tuple[list[list[str]], dict[tuple, list[str]]]:
    """Layers of node ids (dummies included) and, per edge, the dummies it passes through."""
    layer = {}
    for number, generation in enumerate(nx.topological_generations(g)):
        for node in generation:
            layer[node] = number
    layers: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for node in g.nodes:  # file order within a layer to start with
        layers[layer[node]].append(node)
    routes: dict[tuple, list[str]] = {}
    for source, target, key in g.edges(keys=True):
        route = []
        for between in range(layer[source] + 1, layer[target]):
            dummy = f"\0{source}>{target}>{key}>{between}"
            layers[between].append(dummy)
            route.append(dummy)
        routes[(source, target, key)] = route
    # Predecessors along the routed edges, dummies included, for the barycentre ordering.
    before: dict[str, list[str]] = {node: [] for column in layers for node in column}
    for (source, target, _), route in routes.items():
        chain = [source, *route, target]
        for a, b in zip(chain, chain[1:], strict=False):
            before[b].append(a)
    for _ in range(4):
        position = {node: i for column in layers for i, node in enumerate(column)}
        for column in layers[1:]:
            column.sort(key=lambda n: (sum(position[p] for p in before[n]) / len(before[n])
                                       if before[n] else position[n]))
            position.update({node: i for i, node in enumerate(column)})
    return layers, routes


def svg(path: Path, lang: str = "en") -> str:
    """The diagram of one Dockerfile, on one line (a raw HTML block for Markdown)."""
    path = Path(path)
    where = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name
    g = graph(path)
    layers, routes = layout(g)

    def width(node: str) -> int:
        return 0 if node.startswith("\0") else len(g.nodes[node]["label"]) * CHAR + 2 * PAD_X

    columns = [max(width(n) for n in column) or 20 for column in layers]
    rows = max(len(column) for column in layers)
    height = rows * BOX_H + (rows - 1) * ROW_GAP + 2 * MARGIN
    total = sum(columns) + COL_GAP * (len(columns) - 1) + 2 * MARGIN
    box: dict[str, tuple[float, float, float]] = {}  # node: left x, right x, centre y
    x = MARGIN
    for column, column_w in zip(layers, columns, strict=True):
        span = len(column) * BOX_H + (len(column) - 1) * ROW_GAP
        top = (height - span) / 2
        for i, node in enumerate(column):
            y = top + i * (BOX_H + ROW_GAP) + BOX_H / 2
            w = width(node)
            if node.startswith("\0"):
                box[node] = (x, x + column_w, y)
            else:
                left = x + (column_w - w) / 2
                box[node] = (left, left + w, y)
        x += column_w + COL_GAP

    title = describe(g, where, lang)
    marker = "stage-graph-arrow"
    parts = [f'<div class="stage-graph"><svg xmlns="http://www.w3.org/2000/svg" '
             f'viewBox="0 0 {total:g} {height:g}" width="{total:g}" font-size="{FONT}" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
             f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" '
             f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
             f'<path d="M0,0 L10,5 L0,10 z" fill="currentColor"/></marker></defs>']
    # Where each edge leaves and enters a box: the edges of one side spread over its height,
    # in the order of the boxes at their other ends, so none share an arrowhead.
    order = {"from": 0, "copy": 1}
    chains = {edge: [edge[0], *route, edge[1]] for edge, route in routes.items()}
    ends: dict[tuple, list[float]] = {edge: [0.0, 0.0] for edge in routes}
    for node in g.nodes:
        for side, index, other in (("out", 0, 1), ("in", -1, -2)):
            edges = [e for e in routes if (e[0] if side == "out" else e[1]) == node]
            edges.sort(key=lambda e: (box[chains[e][other]][2], order[e[2]]))
            step = min(8, (BOX_H - 12) / max(1, len(edges) - 1))
            for i, edge in enumerate(edges):
                ends[edge][index] = (i - (len(edges) - 1) / 2) * step
    labels = []
    for (source, target, key), route in routes.items():
        start, end = ends[(source, target, key)]
        points = [(box[source][1], box[source][2] + start)]
        for dummy in route:
            points += [(box[dummy][0], box[dummy][2]), (box[dummy][1], box[dummy][2])]
        points.append((box[target][0] - 2, box[target][2] + end))
        d = f"M{points[0][0]:g},{points[0][1]:g}"
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if y0 == y1:
                d += f" L{x1:g},{y1:g}"
            else:
                mid = (x0 + x1) / 2
                d += f" C{mid:g},{y0:g} {mid:g},{y1:g} {x1:g},{y1:g}"
        parts.append(f'<path class="edge {key}" d="{d}" fill="none" stroke="currentColor" '
                     f'marker-end="url(#{marker})"/>')
        if key == "copy":
            (x0, y0), (x1, y1) = points[-2], points[-1]
            labels.append(f'<text class="edge-label" x="{(x0 + x1) / 2:g}" y="{(y0 + y1) / 2 - 4:g}" '
                          f'text-anchor="middle">COPY</text>')
    for node, data in g.nodes(data=True):
        left, right, y = box[node]
        radius = BOX_H / 2 if data["kind"] == "image" else 3
        parts.append(f'<g class="node {data["kind"]}"><rect x="{left:g}" y="{y - BOX_H / 2:g}" '
                     f'width="{right - left:g}" height="{BOX_H}" rx="{radius:g}"/>'
                     f'<text x="{(left + right) / 2:g}" y="{y:g}" text-anchor="middle" '
                     f'dominant-baseline="central">{escape(data["label"])}</text></g>')
    parts += labels
    parts.append("</svg></div>")
    return "".join(parts)
