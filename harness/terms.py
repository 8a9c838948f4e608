"""The Korean terms of data/terms.toml, checked in the prose of the Korean pages and READMEs.

`load()` reads the table; `check(text)` returns `(line, excerpt, reason)` findings in the same
form as harness/prose.py, for `prose.report`:

- a variant a `[[term]]` avoids (a literal or a regular expression), outside code blocks,
  inline code, HTML comments, link targets and `> ` quotations of the original article (harness.prose.prose);
  a variant quoted to name it ("비root"라고 쓰지 않습니다) is a mention, not a use;
- a bold span or inline code followed by a space and a particle (`**빌더(`builder`)** 는`,
  `` `# syntax=` 와 ``);
- a `-세요` ending, outside the exceptions the table allows.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from harness import prose
from harness.dockerfiles import REPO

TERMS = REPO / "data" / "terms.toml"
# Variants named in quotes, as the glossary names the forms it replaces: "비root", "root가
# 아닌 사용자"라고 쓰지 않습니다; "돈다"고 하지 않고; "폴더" 대신.
MENTION = re.compile(r"(?:[\"“][^\"”\n]*[\"”](?:, )?)+(?=(?:이)?라?고| 대신)")
# A particle after inline code is written without a space: `# syntax=`와, not `# syntax=` 와.
PARTICLE = r"(?:와|과|을|를|이|가|은|는|로|으로|의|에|에서|도|만|이고|이며|처럼)(?=[\s.,)])"
CODE_PARTICLE = re.compile(rf"`[^`\n]+` {PARTICLE}")


@dataclass
class Term:
    use: str
    en: str = ""
    avoid: list[str] = field(default_factory=list)
    avoid_re: list[str] = field(default_factory=list)
    allow_re: str = ""
    note: str = ""

    def patterns(self) -> list[re.Pattern]:
        return [re.compile(re.escape(word)) for word in self.avoid] + [re.compile(p) for p in self.avoid_re]


@dataclass
class Table:
    terms: list[Term]
    bold_particle: re.Pattern
    seyo: re.Pattern
    seyo_allow: list[str]


def load(path: Path = TERMS) -> Table:
    data = tomllib.loads(path.read_text())
    return Table(terms=[Term(**entry) for entry in data["term"]],
                 bold_particle=re.compile(data["bold_particle"]["pattern"]),
                 seyo=re.compile(data["seyo"]["pattern"]),
                 seyo_allow=list(data["seyo"].get("allow", [])))


def _excerpt(line: str, match: re.Match) -> str:
    return line[max(0, match.start() - 20):match.end() + 20].strip()


def _blank(match: re.Match) -> str:
    return " " * len(match.group(0))


def check(text: str, table: Table | None = None) -> list[tuple[int, str, str]]:
    table = table or load()
    found = []
    # Tokens stay: `{{ ratio a b }} 작습니다` is a calque the table names.
    readable = prose.prose(text, keep_tokens=True).split("\n")
    # Inline code stays for the bold check: `**`uv sync`** 는` is bold, then a spaced particle.
    marked_up = prose.BLOCKQUOTE.sub(prose._blank, prose.COMMENT.sub(
        prose._blank, prose._without_fences(text))).split("\n")
    for number, line in enumerate(readable, start=1):
        used = MENTION.sub(_blank, line)
        for term in table.terms:
            if term.allow_re and re.search(term.allow_re, line):
                continue
            for pattern in term.patterns():
                for match in pattern.finditer(used):
                    found.append((number, _excerpt(line, match),
                                  f"{match.group(0)!r}: write {term.use!r}"
                                  + (f" ({term.en})" if term.en else "")))
        for match in table.seyo.finditer(used):
            if match.group(0) not in table.seyo_allow:
                found.append((number, _excerpt(line, match),
                              f"{match.group(0)!r}: a -세요 ending; write in the 합니다 style"))
    for number, line in enumerate(marked_up, start=1):
        for match in table.bold_particle.finditer(line):
            found.append((number, _excerpt(line, match),
                          f"{match.group(0)[-12:]!r}: a space between bold and its particle; "
                          "write **빌더**(`builder`)는"))
        for match in CODE_PARTICLE.finditer(line):
            found.append((number, _excerpt(line, match),
                          f"{match.group(0)[-12:]!r}: a space between inline code and its particle; "
                          "write `# syntax=`와"))
    return sorted(found)


def korean_files() -> list[Path]:
    """What the check reads: the Korean pages (glossary included) and the Korean READMEs of the
    examples and the exercises."""
    return sorted([*REPO.glob("docs/ko/*.md"), *REPO.glob("examples/*/README.md"),
                   *REPO.glob("exercises/*/README.md")])
