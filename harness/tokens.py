"""Pages show measured numbers and generated diagrams, never typed ones: a Python-Markdown extension.

In a page, `{{ KIND ARGS }}` is replaced before any other Markdown processing:

    {{ size python-api:runner }}            123.4 MB   (data/measurements.json)
    {{ ratio python-api:single python-api:runner }}  8.9배 (Korean pages), 8.9× (English)
    {{ diff node-app:runner-original node-app:runner }}  73.2 MB
    {{ packages python-api:runner }}  {{ programs ... }}  {{ layers ... }}  {{ user ... }}
    {{ time python-api cold }}   39.2초 / 39.2 s, one of the build times harness.measure records:
                                 cold          --no-cache: no layer reused, empty cache mounts
                                 base-update   every step runs again, cache mounts kept (filled)
                                 warm          nothing changed
                                 edit          one line of application source changed
                                 steps         the sum of the cold build's Dockerfile steps
    {{ part python-api:runner-minimal interpreter }}  bytes of one part of a runtime without a
                                 shell: interpreter, dependencies, libraries, app or other
    {{ floor python-api:runner-minimal }}  interpreter + dependencies + libraries
    {{ parallel node-app }}      the cold build's step time over its wall time (1.42배 / 1.42×)
    {{ base python:3.13-slim }}  official image or local stand-in
    {{ base python:3.13-slim size }}  the base image's measured size, 121.3 MB
    {{ meta date }}  {{ meta engine }}  {{ meta buildx }}  {{ meta store }}  {{ meta platform }}
    {{ store containerd go-static:runner list }}  a size as one image store reports it: `list`
                                 is what `docker images` shows, `inspect` the .Size of
                                 `docker image inspect` (classic or containerd)
    {{ link containerd linked }}  the rebuild of examples/copy-flags after a base image update,
                                 with COPY --link (`linked`) or without (`unlinked`), on one
                                 image store; `{{ link containerd linked export }}` its layer
                                 export time (data key copy_link, harness.measure --copy-link)
    {{ crossbuild cross }}       go-static's server built for linux/arm64: `cross` (compiled on
                                 the build machine for arm64), `emulated` (an arm64 compiler under
                                 QEMU), `ratio` (emulated over cross), `emulator` (the QEMU
                                 that emulated it) (data key cross_build)
    {{ feature copy-parents dockerfile }}  one cell of the version table: the version of the
                                 Dockerfile frontend, BuildKit, buildx or engine (data/features.toml)
    {{ meta stamp }}             the sentence every page ends with: date, engine, buildx, image
                                 store and platform of the measurements
    {{ table sizes }}            the comparison table of every example
    {{ table features }}         the version table of every feature the examples use
                                 (data/features.toml, harness/features.py)
    {{ table changes }}          what moved in each measurement run, newest first
                                 (data/history.json, harness/changes.py)
    {{ threshold size relative }}  what a size or time must move by to be in that table:
                                 `size` or `time`, `relative` (1%) or `absolute` (0.1 MB)
    {{ chart sizes }}            the same as an SVG bar chart
    {{ stages python-api }}      an SVG graph of examples/python-api/Dockerfile (harness/diagrams.py);
                                 {{ stages node-app/Dockerfile.name }} for another Dockerfile

The site configures it under `markdown_extensions` (mkdocs.yml: `harness.tokens: {lang: ko}`,
mkdocs.en.yml: `lang: en`), so any builder that reads mkdocs.yml and runs Python-Markdown
extensions renders the same pages. The builder must be able to import `harness`: run it with
`python -m` from the repository root (`python -m mkdocs build`). Options:

    lang     ko or en: how ratios, times and the table's words are written
    data     the measurements file (default: data/measurements.json of this repository)
    source   the file the text comes from, named in errors (under MkDocs set for each page by
             harness/mkdocs_hooks.py; Python-Markdown itself does not know it)

A bad token raises TokenError naming the file, the line, the token and what is wrong with it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from harness import changes, diagrams, features, history
from harness.dockerfiles import EXAMPLES, REPO

NAME = "harness.tokens"  # as mkdocs.yml names the extension
DATA = REPO / "data" / "measurements.json"
# The token grammar, for every module that looks for tokens: a space, a kind, then its arguments.
# The space keeps Go templates in commands (`docker inspect -f '{{json .Config}}'`) out of it.
TOKEN = re.compile(r"\{\{\s+([a-z]+)\s+([^{}]*?)\s*\}\}")
# Above pymdownx.snippets (32) and Python-Markdown's own preprocessors (30 and below): the lines
# are still the page's own, so errors name the right line, and included files stay verbatim.
PRIORITY = 35

WORDS = {
    "ko": {"official": "공식 이미지", "stand-in": "로컬 대체 이미지", "example": "예제",
           "single": "단일 스테이지 (전체 이미지)", "single-slim": "단일 스테이지 (slim + 빌드 도구)",
           "runner": "멀티스테이지 런타임", "smaller": " 작음", "image": "이미지", "size": "크기",
           "times": "{}배", "seconds": "{}초", "classic": "클래식", "containerd": "containerd",
           "stamp": "이 페이지의 수치는 {date}에 Docker Engine {engine}, buildx {buildx}, {store} 이미지 "
                    "저장소, {platform}에서 측정했고, 페이지의 명령과 클레임은 테스트를 실행할 때마다 "
                    "같은 엔진에서 다시 검증합니다. 측정할 때마다 달라진 값은 "
                    "[무엇이 바뀌었나](changes.md)에 있습니다."},
    "en": {"official": "official image", "stand-in": "local stand-in", "example": "Example",
           "single": "single stage (full image)", "single-slim": "single stage (slim + build tools)",
           "runner": "multi-stage runner", "smaller": " smaller", "image": "Image", "size": "Size",
           "times": "{}×", "seconds": "{} s", "classic": "classic", "containerd": "containerd",
           "stamp": "Figures on this page were measured on {date} with Docker Engine {engine}, buildx "
                    "{buildx}, the {store} image store, on {platform}; its commands and claims are "
                    "checked again on the same engine in every test run. What moved from one "
                    "measurement run to the next: [What changed](changes.md)."},
}
# The examples of the comparison table: (example, baseline targets, multi-stage target).
TABLE = [
    ("python-api", ["single", "single-slim"], "runner"),
    ("node-app", ["single"], "runner"),
    ("nextjs-standalone", ["single"], "runner"),
]
# The build times harness.measure records per example (see its docstring), and the step sum.
TIMES = ("cold", "base-update", "warm", "edit")
# What a runtime cannot do without: the interpreter and its standard library, the installed
# dependencies and the shared libraries they load (harness.measure.part_of sorts the files).
FLOOR = ("interpreter", "dependencies", "libraries")


class TokenError(ValueError):
    """A token that cannot be rendered, or the data it needs is missing."""


def load(path: Path = DATA) -> dict:
    if not path.exists():
        where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        raise TokenError(f"{where} is missing: run `nox -s measure`")
    return json.loads(path.read_text())


def mb(size: int) -> str:
    return f"{size / 10**6:,.1f} MB"


def image(data: dict, key: str) -> dict:
    try:
        return data["images"][key]
    except KeyError:
        raise TokenError(f"no measured image {key!r} in data/measurements.json") from None


def build(data: dict, example: str, key: str) -> float:
    if key not in TIMES + ("steps",):
        raise TokenError(f"no build time {key!r}; one of: {', '.join(TIMES + ('steps',))}")
    try:
        measured = data["builds"][example]
    except KeyError:
        raise TokenError(f"no measured builds of {example!r} in data/measurements.json") from None
    try:
        return measured["cold_steps_s"] if key == "steps" else measured["times_s"][key]
    except KeyError:
        raise TokenError(f"no build time {example} {key} in data/measurements.json: "
                         "run `nox -s measure`") from None


def times(value: float, lang: str, digits: int = 1) -> str:
    """A ratio as the page's language writes it: 7.4배, 7.4×."""
    return WORDS[lang]["times"].format(f"{value:.{digits}f}")


def base(data: dict, name: str) -> dict:
    try:
        return data["base_images"][name]
    except KeyError:
        raise TokenError(f"no base image {name!r} measured") from None


def table(data: dict, lang: str) -> str:
    w = WORDS[lang]
    rows = [f"| {w['example']} | {w['image']} | {w['size']} | |", "|---|---|--:|--:|"]
    for example, baselines, target in TABLE:
        runner = image(data, f"{example}:{target}")["size"]
        for baseline in baselines:
            size = image(data, f"{example}:{baseline}")["size"]
            rows.append(f"| `{example}` | {w[baseline]} | {mb(size)} | |")
        largest = max(image(data, f"{example}:{b}")["size"] for b in baselines)
        rows.append(f"| `{example}` | **{w['runner']}** | **{mb(runner)}** | "
                    f"{times(largest / runner, lang)}{w['smaller']} |")
    return "\n".join(rows)


def chart(data: dict, lang: str) -> str:
    w = WORDS[lang]
    bars = []
    for example, baselines, target in TABLE:
        for name in baselines + [target]:
            bars.append((f"{example} · {w[name]}", image(data, f"{example}:{name}")["size"],
                         "multi" if name == target else "single"))
    widest = max(size for _, size, _ in bars)
    height, label_w, bar_w = 22, 250, 330
    parts = [f'<svg class="size-chart" viewBox="0 0 {label_w + bar_w + 80} {height * len(bars) + 4}" '
             f'role="img" aria-label="{w["size"]}">']
    for row, (label, size, kind) in enumerate(bars):
        y = row * height + 2
        width = max(2, round(bar_w * size / widest))
        parts.append(f'<text x="0" y="{y + 15}">{label}</text>'
                     f'<rect class="{kind}" x="{label_w}" y="{y + 3}" width="{width}" height="{height - 6}"/>'
                     f'<text x="{label_w + width + 6}" y="{y + 15}">{mb(size)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def parts(data: dict, key: str) -> dict:
    found = image(data, key).get("parts")
    if not found:
        raise TokenError(f"no parts measured for {key} (harness.measure records them for images "
                         f"without a shell)")
    return found


def stages(example: str, lang: str) -> str:
    name, _, dockerfile = example.partition("/")
    path = EXAMPLES / name / (dockerfile or "Dockerfile")
    if not path.exists():
        raise TokenError(f"no Dockerfile {path.relative_to(REPO)}")
    return diagrams.svg(path, lang)


def feature_table(lang: str) -> str:
    try:
        return features.table(lang)
    except features.FeatureError as error:
        raise TokenError(str(error)) from None


def feature_version(feature_id: str, column: str) -> str:
    """One checked cell of the version table: the version alone, no link."""
    try:
        cell = next(f for f in features.load() if f.id == feature_id).cells[column]
    except StopIteration:
        raise TokenError(f"no feature {feature_id!r} in data/features.toml") from None
    if not cell.version or cell.version == features.NOT_APPLICABLE:
        raise TokenError(f"the {column} version of {feature_id} is not checked or does not apply")
    return cell.version


def history_token(render_history, *args) -> str:
    try:
        return render_history(*args)
    except history.HistoryError as error:
        raise TokenError(str(error)) from None


def render(kind: str, args: list[str], data: dict, lang: str) -> str:
    w = WORDS[lang]
    if kind == "size":
        return mb(image(data, args[0])["size"])
    if kind == "ratio":
        return times(image(data, args[0])["size"] / image(data, args[1])["size"], lang)
    if kind == "diff":
        return mb(image(data, args[0])["size"] - image(data, args[1])["size"])
    if kind == "part" and len(args) == 2:
        return mb(parts(data, args[0])[args[1]])
    if kind == "floor" and len(args) == 1:
        return mb(sum(parts(data, args[0])[p] for p in FLOOR))
    if kind in ("packages", "programs", "layers", "user"):
        return str(image(data, args[0])[kind])
    if kind == "time" and len(args) == 2:
        return w["seconds"].format(f"{build(data, args[0], args[1]):.1f}")
    if kind == "parallel" and len(args) == 1:
        return times(build(data, args[0], "steps") / build(data, args[0], "cold"), lang, 2)
    if kind == "base" and len(args) == 1:
        return w[base(data, args[0])["provenance"]]
    if kind == "base" and args[1:] == ["size"]:
        return mb(base(data, args[0])["size"])
    if kind == "store" and len(args) == 3:
        return mb(data["stores"][args[0]][args[1]][args[2]])
    if kind == "link" and len(args) in (2, 3) and args[2:] in ([], ["export"]):
        measured = data["copy_link"][args[0]][args[1]]
        return w["seconds"].format(f"{measured['export_s' if args[2:] else 'base_update_s']:.1f}")
    if kind == "crossbuild" and args in (["cross"], ["emulated"]):
        return w["seconds"].format(f"{data['cross_build'][args[0] + '_s']:.1f}")
    if kind == "crossbuild" and args == ["emulator"]:
        return data["cross_build"]["emulator"]
    if kind == "crossbuild" and args == ["ratio"]:
        return times(data["cross_build"]["emulated_s"] / data["cross_build"]["cross_s"], lang, 1)
    if kind == "feature" and len(args) == 2:
        return feature_version(args[0], args[1])
    if kind == "meta":
        return meta(data, lang)[args[0]]
    if kind == "table" and args == ["sizes"]:
        return table(data, lang)
    if kind == "table" and args == ["features"]:
        return feature_table(lang)
    if kind == "table" and args == ["changes"]:
        return history_token(changes.table, lang)
    if kind == "threshold" and len(args) == 2:
        return history_token(changes.threshold, args[0], args[1], lang)
    if kind == "chart" and args == ["sizes"]:
        return chart(data, lang)
    if kind == "stages":
        return stages(args[0], lang)
    raise TokenError(f"unknown token {{{{ {kind} {' '.join(args)} }}}}")


def meta(data: dict, lang: str) -> dict[str, str]:
    """What the measurements were taken on, and the stamp sentence every page ends with."""
    engine = data["engine"]
    facts = {"date": data["generated_at"][:10], "engine": engine["server"], "buildx": engine["buildx"],
             "store": WORDS[lang][engine.get("image_store", "classic")],
             "platform": engine.get("platform", "linux/amd64"),
             "driver": engine.get("builder_driver", "docker")}
    facts["stamp"] = WORDS[lang]["stamp"].format(**facts)
    return facts


def expand(text: str, lang: str, data_file: Path = DATA, source: str = "") -> str:
    """The text with every token replaced; TokenError names the source and line of a bad one."""
    if not TOKEN.search(text):
        return text  # a page without tokens needs no measurements
    data = load(data_file)

    def replace(match: re.Match) -> str:
        try:
            return render(match.group(1), match.group(2).split(), data, lang)
        except (IndexError, KeyError, TokenError) as error:
            line = text.count("\n", 0, match.start()) + 1
            where = f"{source}:{line}" if source else f"line {line}"
            raise TokenError(f"{where}: bad token {match.group(0)} ({error}); "
                             "the tokens are listed in harness/tokens.py") from None

    return TOKEN.sub(replace, text)


class TokenPreprocessor(Preprocessor):
    def __init__(self, md, lang: str, data: str, source: str):
        super().__init__(md)
        self.lang, self.data, self.source = lang, Path(data), source

    def run(self, lines: list[str]) -> list[str]:
        return expand("\n".join(lines), self.lang, self.data, self.source).split("\n")


class TokensExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "lang": ["en", "ko or en: how ratios, times and the table's words are written"],
            "data": [str(DATA), "the measurements file"],
            "source": ["", "the file the text comes from, named in errors"],
        }
        super().__init__(**kwargs)
        if self.getConfig("lang") not in WORDS:
            raise ValueError(f"{NAME}: lang must be one of {', '.join(WORDS)}, "
                             f"not {self.getConfig('lang')!r}")

    def extendMarkdown(self, md) -> None:
        md.preprocessors.register(TokenPreprocessor(md, **self.getConfigs()), "measured_tokens", PRIORITY)


def makeExtension(**kwargs) -> TokensExtension:
    return TokensExtension(**kwargs)
