"""The audit's report: a table in the terminal (rich), or JSON for CI.

A finding's row holds its evidence, the sentence on why it matters and the page to read; a
second table lists the layers with the step and stage that made each (the base image's layers in
one row). Text goes through rich's Text, never its markup: evidence such as `EXPOSE [3000/tcp]`
is printed as it is.
"""

from __future__ import annotations

import json

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from harness.audit import Report, fails, short
from harness.auditrules import LEVELS, RULES, WORDS
from harness.claims import megabytes

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def show(report: Report, lang: str, fail_on: str, console: Console | None = None) -> None:
    console = console or Console(highlight=False, emoji=False)
    words = WORDS[lang]
    if report.dockerfile is None:
        console.print(Text(words["no_dockerfile"]))
    if report.findings:
        console.print(findings_table(report, lang))
    if report.layers:
        console.print(layers_table(report, lang, console.width))
    for line in notes(report, lang, fail_on):
        console.print(Text(line))


def findings_table(report: Report, lang: str) -> Table:
    words = WORDS[lang]
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, expand=False)
    table.add_column(words["level"], no_wrap=True)
    table.add_column(words["finding"], no_wrap=True)
    table.add_column(words["details"], overflow="fold")
    for finding in report.findings:
        rule = RULES[finding.id]
        details = Text("\n".join(finding.evidence))
        if finding.line is not None and not any("Dockerfile:" in e for e in finding.evidence):
            stage = f", stage {finding.stage}" if finding.stage else ""
            details.append(f"\nDockerfile:{finding.line}{stage}")
        details.append("\n" + rule.why[lang], style="italic")
        details.append("\n" + words["read"].format(rule.page_in(lang)), style="dim")
        table.add_row(Text(finding.level, style=STYLE[finding.level]), Text(finding.id), details)
    return table


def layers_table(report: Report, lang: str, width: int) -> Table:
    """One line per layer: the base image's layers in one row, then every layer the Dockerfile
    made that holds bytes, with the stage and line of its step. Every column but the step keeps
    its width; the step is cut at the terminal's width (--json has it whole)."""
    words = WORDS[lang]
    rows = []
    inherited = [layer for layer in report.layers if layer.base]
    if inherited:
        rows.append(("1" if len(inherited) == 1 else f"1-{len(inherited)}",
                     size_text(sum(layer.size for layer in inherited)),
                     words["base"].format(inherited[0].base), "", "FROM"))
    for layer in report.layers[len(inherited):]:
        if layer.size:
            stage = (layer.stage or "") + (words["from"].format(layer.source) if layer.source else "")
            rows.append((str(layer.number), size_text(layer.size), stage, str(layer.line or ""),
                         step(layer.created_by)))
    table = Table(title=words["layers"], box=box.SIMPLE_HEAD, expand=False)
    widths = [max(cell_width(words[name]), *(cell_width(row[i]) for row in rows))
              for i, name in enumerate(("layer", "size", "stage", "line"))]
    for name, widest in zip(("layer", "size", "stage", "line"), widths, strict=True):
        table.add_column(words[name], no_wrap=True, min_width=widest,
                         justify="left" if name == "stage" else "right")
    # What is left of the width: two cells of padding per column, one at each edge.
    room = max(width - sum(widths) - 2 * 5 - 3, 10)
    table.add_column(words["step"], no_wrap=True, max_width=room)
    for row in rows:
        cells = [Text(cell) for cell in row]
        cells[-1].truncate(room, overflow="ellipsis")
        table.add_row(*cells)
    return table


def cell_width(text: str) -> int:
    return Text(text).cell_len  # Hangul takes two cells


def step(created_by: str) -> str:
    """A history line as the Dockerfile wrote it: without BuildKit's `/bin/sh -c` and `# buildkit`."""
    return short(created_by.replace(" /bin/sh -c ", " ", 1), 200)


def size_text(size: int) -> str:
    """Decimal units, as `docker images` counts: MB from one megabyte up, kB below."""
    return megabytes(size) if size >= 10**6 else f"{size / 10**3:.1f} kB"


def counts(report: Report, lang: str) -> str:
    words = WORDS[lang]["counts"]
    found = [f.level for f in report.findings]
    return ", ".join(words[level][found.count(level) > 1].format(found.count(level))
                     for level in reversed(LEVELS) if level in found)


def notes(report: Report, lang: str, fail_on: str) -> list[str]:
    words = WORDS[lang]
    lines = []
    if report.dockerfile and not report.matched:
        where = f"{report.dockerfile}" + (f" --target {report.target}" if report.target else "")
        lines.append(words["unmatched"].format(where=where))
    if report.ignored:
        off = ", ".join(f"{f.id} (Dockerfile:{f.line})" for f in report.ignored)
        lines.append(words["ignored"].format(off))
    if not report.findings:
        lines.append(words["no_findings"].format(image=report.image))
    else:
        lines.append(words["summary"].format(image=report.image, counts=counts(report, lang)))
    if fail_on != "never":
        lines.append(words["fails" if fails(report, fail_on) else "passes"].format(fail_on))
    return lines


def as_json(report: Report, lang: str, fail_on: str) -> str:
    def finding(f) -> dict:
        rule = RULES[f.id]
        return {"id": f.id, "level": f.level, "evidence": f.evidence, "line": f.line, "stage": f.stage,
                "layer": f.layer, "why": rule.why[lang], "page": rule.page_in(lang)}

    return json.dumps({
        "image": report.image,
        "dockerfile": str(report.dockerfile) if report.dockerfile else None,
        "target": report.target,
        "fail_on": fail_on,
        "fails": fails(report, fail_on),
        "findings": [finding(f) for f in report.findings],
        "ignored": [finding(f) for f in report.ignored],
        "layers": [{"number": layer.number, "size": layer.size, "created_by": layer.created_by,
                    "line": layer.line, "stage": layer.stage, "source": layer.source, "base": layer.base}
                   for layer in report.layers],
        "layers_matched": report.matched,
    }, ensure_ascii=False, indent=2)
