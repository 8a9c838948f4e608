"""Which Dockerfile and build features the examples use, and the versions that made each stable.

data/features.toml has one row per feature: its names, the usage keys it covers (`detect`) and,
for each of the four version columns (Dockerfile frontend, BuildKit, buildx, Engine), a version
with the URL that proves it, `n/a`, or nothing (the page then says "not checked").

This module finds what is used by reading every example Dockerfile, every docker-bake.hcl and the
console commands of the English pages and example READMEs (the Korean ones run the same
commands). Each use becomes a usage key, a short normalised string:

    RUN --mount=type=cache     an instruction flag; --mount also names its type (default: bind)
    COPY --from                any other instruction flag, without its value
    RUN <<                     a here-document in that instruction
    ARG before FROM            an ARG above the first FROM
    ARG TARGETARCH             an automatic platform ARG, declared or referenced ($BUILDPLATFORM)
    ARG several                more than one name in one ARG instruction
    FROM stage                 a stage that starts FROM an earlier stage
    FROM AS                    a named stage
    # check=                   a parser directive
    Dockerfile.dockerignore    an ignore file beside a Dockerfile, for that Dockerfile only
    build --target             a `docker build` / `docker buildx build` flag (long name)
    build --output=type=local  --output and the cache flags also name their type
    build --platform=multi     --platform with more than one platform
    docker buildx bake         the bake command; bake --load: one of its flags
    bake target.matrix         an attribute of a bake file's target or group

Plain instructions (FROM, RUN, COPY ... without flags) predate BuildKit and need no row; every
other key must be covered by a row, or `check` names the file, the line and what to add.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.dockerfiles import EXAMPLES, REPO, example_dockerfiles, instructions

FEATURES = REPO / "data" / "features.toml"
PAGES = REPO / "docs" / "en"
COLUMNS = ("dockerfile", "buildkit", "buildx", "engine")
NOT_APPLICABLE = "n/a"

# Instructions of the classic builder: used without flags they need no row of their own.
INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT",
                "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK",
                "SHELL", "MAINTAINER"}
# The flags the Dockerfile reference documents per instruction. A flag outside this list is a
# typo or something newer than this module: the error says which.
FLAGS = {
    "FROM": {"platform"},
    "RUN": {"mount", "network", "security"},
    "COPY": {"from", "chown", "chmod", "link", "parents", "exclude"},
    "ADD": {"chown", "chmod", "link", "keep-git-dir", "checksum", "exclude", "unpack"},
    "HEALTHCHECK": {"interval", "timeout", "start-period", "start-interval", "retries"},
    "ONBUILD": set(),
}
PLATFORM_ARGS = {"TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT",
                 "BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT"}
DIRECTIVE = re.compile(r"^#\s*(syntax|escape|check)\s*=", re.IGNORECASE)
HEREDOC = re.compile(r"<<-?([\"']?)([A-Za-z_][A-Za-z0-9_]*)\1")
# Short build flags and their long names, so `-t` and `--tag` are one key.
SHORT = {"-t": "--tag", "-f": "--file", "-q": "--quiet", "-o": "--output"}
TYPED = {"--output", "--cache-to", "--cache-from"}  # flags whose key names their type
DOCKER_BUILD = re.compile(r"\bdocker\s+(?:buildx\s+)?(build|bake)\b")
# Where a command ends inside a shell line: pipes, lists, redirections, closing groups.
SHELL_END = re.compile(r"\s(?:\|\|?|&&|;|\d?>|<)|[;)}]")
PRINTF = re.compile(r"printf\s+'([^']*)'")
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
BAKE_BLOCK = re.compile(r'^(target|group)\s+"[^"]*"\s*\{', re.MULTILINE)
BAKE_ATTRIBUTE = re.compile(r"^\s*([a-z_-]+)\s*=", re.MULTILINE)


class FeatureError(ValueError):
    """A malformed row of data/features.toml, or a used feature the table does not list."""


@dataclass(frozen=True)
class Use:
    key: str
    path: Path
    line: int
    kind: str = "dockerfile"  # dockerfile, command or bake: what the error tells you to add

    def where(self) -> str:
        path = self.path.relative_to(REPO) if self.path.is_relative_to(REPO) else self.path
        return f"{path}:{self.line}"


@dataclass(frozen=True)
class Cell:
    version: str  # "" when not checked, NOT_APPLICABLE when the column does not apply
    source: str = ""


@dataclass
class Feature:
    id: str
    name: dict[str, str]
    detect: tuple[str, ...]
    cells: dict[str, Cell]
    uses: list[Use] = field(default_factory=list)


# --- the table -------------------------------------------------------------------------------

def load(path: Path = FEATURES) -> list[Feature]:
    """The rows of data/features.toml; FeatureError names the row and what is wrong with it."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise FeatureError(f"{path.name}: not valid TOML ({error})") from None
    rows = data.get("feature")
    if not isinstance(rows, list) or not rows:
        raise FeatureError(f"{path.name}: no [[feature]] rows")
    features = [row_to_feature(path, number, row) for number, row in enumerate(rows, 1)]
    duplicate_keys(path, features)
    return features


def row_to_feature(path: Path, number: int, row: dict) -> Feature:
    where = f"{path.name}: [[feature]] #{number} ({row.get('id', 'no id')})"
    if not isinstance(row.get("id"), str) or not row["id"]:
        raise FeatureError(f"{where}: needs id = \"...\"")
    name = row.get("name")
    if not isinstance(name, dict) or set(name) != {"en", "ko"}:
        raise FeatureError(f"{where}: needs name = {{ en = \"...\", ko = \"...\" }}")
    detect = row.get("detect")
    if not isinstance(detect, list) or not detect or not all(isinstance(k, str) for k in detect):
        raise FeatureError(f"{where}: needs detect = [\"USAGE KEY\", ...] "
                           "(the keys are listed in harness/features.py)")
    unknown = set(row) - {"id", "name", "detect", *COLUMNS}
    if unknown:
        raise FeatureError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
                           f"the fields are id, name, detect, {', '.join(COLUMNS)}")
    cells = {column: cell(where, column, row.get(column)) for column in COLUMNS}
    return Feature(row["id"], name, tuple(detect), cells)


def cell(where: str, column: str, value) -> Cell:
    """One version cell: absent (not checked), { version = "n/a" }, or a version and its source."""
    if value is None:
        return Cell("")
    if not isinstance(value, dict) or not isinstance(value.get("version"), str):
        raise FeatureError(f"{where}: {column} must be {{ version = \"1.4\", source = \"https://...\" }}"
                           f" or {{ version = \"{NOT_APPLICABLE}\" }}; leave it out if not checked")
    if value["version"] == NOT_APPLICABLE:
        return Cell(NOT_APPLICABLE)
    source = value.get("source", "")
    if not isinstance(source, str) or not source.startswith("https://"):
        raise FeatureError(f"{where}: {column} = {value['version']} needs the source that proves "
                           "it: source = \"https://...\" (or leave the cell out: not checked)")
    return Cell(value["version"], source)


def duplicate_keys(path: Path, features: list[Feature]) -> None:
    owner: dict[str, str] = {}
    for feature in features:
        for key in feature.detect:
            if key in owner:
                raise FeatureError(f"{path.name}: `{key}` is in the detect list of both "
                                   f"{owner[key]} and {feature.id}; one row per key")
            owner[key] = feature.id


# --- Dockerfiles -----------------------------------------------------------------------------

def without_heredocs(text: str) -> str:
    """The Dockerfile with here-document bodies blanked, so their lines are not instructions
    (dockerfiles.instructions does not know here-documents); line numbers stay the same."""
    lines, ends = text.splitlines(), []
    for index, line in enumerate(lines):
        if ends:
            if line.strip() == ends[0]:
                ends.pop(0)
            lines[index] = ""
        elif not line.lstrip().startswith("#"):
            ends = [match.group(2) for match in HEREDOC.finditer(line)]
    return "\n".join(lines)


def leading_flags(args: str) -> list[str]:
    """The `--name[=value]` words before an instruction's arguments."""
    flags = []
    for word in args.split():
        if not word.startswith("--"):
            break
        flags.append(word)
    return flags


def flag_key(keyword: str, flag: str) -> str:
    name, _, value = flag[2:].partition("=")
    if keyword == "RUN" and name == "mount":
        options = dict(part.partition("=")[::2] for part in value.split(","))
        return f"RUN --mount=type={options.get('type', 'bind')}"
    return f"{keyword} --{name}"


def instruction_keys(keyword: str, args: str, stages: set[str]) -> list[str]:
    """The usage keys of one instruction (stages: the names of the stages above it)."""
    keys = [flag_key(keyword, flag) for flag in leading_flags(args)]
    rest = args.split()[len(keys):]
    if keyword not in INSTRUCTIONS:
        keys.append(keyword)
    if HEREDOC.search(args) and keyword in ("RUN", "COPY", "ADD"):
        keys.append(f"{keyword} <<")
    if keyword == "FROM" and len(rest) >= 3 and rest[1].upper() == "AS":
        keys.append("FROM AS")
    if keyword == "FROM" and rest and rest[0].lower() in stages:
        keys.append("FROM stage")
    if keyword == "ARG" and len(rest) > 1:
        keys.append("ARG several")
    names = set(re.findall(r"\$\{?([A-Z]+)", args)) | {word.partition("=")[0] for word in rest}
    keys += [f"ARG {name}" for name in sorted(names & PLATFORM_ARGS)]
    return keys


def directives(text: str) -> list[tuple[int, str]]:
    """(line, `# name=`) of the parser directives: comment lines above everything else."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        match = DIRECTIVE.match(line.strip())
        if not match:
            break
        found.append((number, f"# {match.group(1).lower()}="))
    return found


def dockerfile_uses(path: Path, text: str | None = None, first_line: int = 1) -> list[Use]:
    """Every usage key of one Dockerfile (or of Dockerfile text found in a page command, whose
    uses are all reported at the command's line, first_line)."""
    inline = text is not None
    text = path.read_text() if text is None else text
    at = (lambda line: first_line) if inline else (lambda line: line)
    uses = [Use(key, path, at(line)) for line, key in directives(text)]
    stages: set[str] = set()
    seen_from = False
    for ins in instructions(without_heredocs(text)):
        keys = instruction_keys(ins.keyword, ins.args, stages)
        if ins.keyword == "ARG" and not seen_from:
            keys.append("ARG before FROM")
        if ins.keyword == "FROM":
            seen_from = True
            words = [w for w in ins.args.split() if not w.startswith("--")]
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2].lower())
        uses += [Use(key, path, at(ins.line)) for key in keys]
    if not inline and path.with_name(path.name + ".dockerignore").exists():
        uses.append(Use("Dockerfile.dockerignore", path, 1))
    return uses


# --- commands and bake files -----------------------------------------------------------------

def command_keys(command: str) -> list[str]:
    """The usage keys of every `docker build`, `docker buildx build` or `docker buildx bake` in
    one shell command line."""
    keys = []
    for match in DOCKER_BUILD.finditer(command):
        verb = match.group(1)
        rest = command[match.end():]
        end = SHELL_END.search(rest)
        words = split(rest[:end.start()] if end else rest)
        if verb == "bake":
            keys.append("docker buildx bake")
        keys += [build_flag_key(verb, word, words[i + 1] if i + 1 < len(words) else "")
                 for i, word in enumerate(words) if word.startswith("-") and word != "-"]
    return keys


def split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an open quote continues past where the command was cut
        return text.split()


def build_flag_key(verb: str, word: str, following: str) -> str:
    name, equals, value = word.partition("=")
    name = SHORT.get(name, name)
    value = value if equals else following
    if name in TYPED:
        kind = dict(part.partition("=")[::2] for part in value.split(",")).get("type", "local")
        return f"{verb} {name}=type={kind}"
    if name == "--platform" and "," in value:
        return f"{verb} --platform=multi"
    return f"{verb} {name}"


def console_commands(page: Path) -> list[tuple[int, str]]:
    """(line, command) of every `$ ` command in the page's console blocks."""
    text = page.read_text()
    found = []
    for block in CONSOLE.finditer(text):
        first = text.count("\n", 0, block.start(1)) + 1
        lines = block.group(1).splitlines()
        index = 0
        while index < len(lines):
            if lines[index].startswith("$ "):
                start, command = index, lines[index][2:]
                while command.endswith("\\") and index + 1 < len(lines):
                    index += 1
                    command = command[:-1] + " " + lines[index]
                found.append((first + start, command))
            index += 1
    return found


def command_uses(page: Path) -> list[Use]:
    uses = []
    for line, command in console_commands(page):
        uses += [Use(key, page, line, "command") for key in command_keys(command)]
        if DOCKER_BUILD.search(command):  # a Dockerfile written inline: printf '...' | docker build -
            for text in PRINTF.findall(command):
                if "FROM " in text:
                    uses += dockerfile_uses(page, text.replace("\\n", "\n"), line)
    return uses


def bake_uses(path: Path) -> list[Use]:
    text = path.read_text()
    blocks = list(BAKE_BLOCK.finditer(text))
    uses = []
    for index, block in enumerate(blocks):
        end = blocks[index + 1].start() if index + 1 < len(blocks) else len(text)
        for attribute in BAKE_ATTRIBUTE.finditer(text, block.end(), end):
            inner = text[block.end():attribute.start()]
            if inner.count("{") != inner.count("}"):
                continue  # a key of a map inside the block (matrix, labels), not an attribute
            line = text.count("\n", 0, attribute.start()) + 1
            uses.append(Use(f"bake {block.group(1)}.{attribute.group(1)}", path, line, "bake"))
    return uses


# --- what is used, and the check -------------------------------------------------------------

def sources() -> tuple[list[Path], list[Path], list[Path]]:
    """The Dockerfiles, bake files and pages whose commands this module reads."""
    bake = sorted([*REPO.glob("docker-bake.hcl"), *EXAMPLES.rglob("docker-bake.hcl")])
    pages = sorted([*PAGES.glob("*.md"), *EXAMPLES.glob("*/README.en.md")])
    return example_dockerfiles(), bake, pages


def used(dockerfiles: Iterable[Path] = (), bake: Iterable[Path] = (),
         pages: Iterable[Path] = ()) -> list[Use]:
    uses = [use for path in dockerfiles for use in dockerfile_uses(path)]
    uses += [use for path in bake for use in bake_uses(path)]
    uses += [use for path in pages for use in command_uses(path)]
    return [use for use in uses if use.key not in INSTRUCTIONS]


def unknown_flag(key: str) -> bool:
    keyword, _, flag = key.partition(" --")
    return keyword in FLAGS and flag != "" and flag.partition("=")[0] not in FLAGS[keyword]


def missing_message(use: Use) -> str:
    where = f"{use.where()}: `{use.key}`"
    if unknown_flag(use.key):
        return (f"{where} is not a {use.key.split()[0]} flag the Dockerfile reference documents "
                f"(harness/features.py FLAGS); if it is new, add it there and to data/features.toml")
    return (f"{where} is used, but no row of data/features.toml lists it: add \"{use.key}\" to "
            "the detect list of its row, or a new [[feature]] row with its versions and sources")


def check(features: list[Feature], uses: list[Use]) -> list[Feature]:
    """The features with the uses they cover; FeatureError lists every use no row covers."""
    rows = {key: feature for feature in features for key in feature.detect}
    missing = [use for use in uses if use.key not in rows]
    if missing:
        raise FeatureError("\n".join(missing_message(use) for use in missing))
    for use in uses:
        rows[use.key].uses.append(use)
    return features


def table_rows(path: Path = FEATURES) -> list[Feature]:
    """The table as the site shows it: every row with the uses found in the repository."""
    return check(load(path), used(*sources()))


# --- the table on the page -------------------------------------------------------------------

WORDS = {
    "ko": {"columns": ("기능", "쓰는 곳", "Dockerfile 프런트엔드", "BuildKit", "buildx", "Engine"),
           "not checked": "확인 안 함", "more": "외 {}곳", "nowhere": "쓰는 곳 없음"},
    "en": {"columns": ("Feature", "Used in", "Dockerfile frontend", "BuildKit", "buildx", "Engine"),
           "not checked": "not checked", "more": "{} more", "nowhere": "not used"},
}
PLACES_SHOWN = 6  # a row lists this many places, then says how many more


def page_title(page: str, lang: str) -> str:
    """The `# ` heading of docs/LANG/PAGE, the name a link to that page shows."""
    for line in (REPO / "docs" / lang / page).read_text().splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return page


def place(use: Use, lang: str) -> str:
    """Where a use is, as the table shows it: an example's folder, a page link or a file."""
    path = use.path.relative_to(REPO) if use.path.is_relative_to(REPO) else use.path
    if path.parts[0] == "examples":
        return f"`examples/{path.parts[1]}/`"
    if path.parts[:2] == ("docs", "en"):
        return f"[{page_title(path.name, lang)}]({path.name})"
    return f"`{path}`"


def places(feature: Feature, lang: str) -> str:
    found = list(dict.fromkeys(place(use, lang) for use in feature.uses))
    if not found:
        return WORDS[lang]["nowhere"]
    shown = ", ".join(found[:PLACES_SHOWN])
    extra = len(found) - PLACES_SHOWN
    return f"{shown}, {WORDS[lang]['more'].format(extra)}" if extra > 0 else shown


def show(cell: Cell, lang: str) -> str:
    if cell.version == NOT_APPLICABLE:
        return "—"
    if not cell.version:
        return WORDS[lang]["not checked"]
    return f"[{cell.version}]({cell.source})"


def table(lang: str, path: Path = FEATURES) -> str:
    """The version table as Markdown, headers and words in the page's language."""
    header = WORDS[lang]["columns"]
    rows = [f"| {' | '.join(header)} |", "|" + "---|" * len(header)]
    for feature in table_rows(path):
        cells = [feature.name[lang], places(feature, lang),
                 *(show(feature.cells[column], lang) for column in COLUMNS)]
        rows.append(f"| {' | '.join(cells)} |")
    return "\n".join(rows)
