"""What a reader reads: the prose of a Markdown page, and the checks that run over it.

`prose(text)` keeps a page's line numbers and blanks out what is not prose: fenced code
blocks, inline code, `<!-- -->` comments (directives and claims), `{{ }}` measurement tokens,
link targets and blockquotes (a `> ` blockquote is only used to quote the original article).

- `typed_numbers`: a number with a unit (MB, s, 초, 배, ×, % ...) typed into prose, or a
  unit typed right after a token that already renders one. Numbers come from
  data/measurements.json through tokens (harness/tokens.py), never from the keyboard.
- `machine_paths`: an absolute path of somebody's machine (a home folder, a checkout) in any
  file, or any absolute host path in Markdown prose. Container paths in Dockerfiles and code
  (`/app`, `/usr/local`, `/root/.npm`, `/tmp` inside an image) are fine.
- `team_notes`: text about who commits or how a team works, which readers have no use for.

Each returns `(line, excerpt, reason)` findings; the tests print them as `path:line`.
"""

from __future__ import annotations

import re
from pathlib import Path

FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})")
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
TOKEN = re.compile(r"\{\{.*?\}\}", re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
LINK_TARGET = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|<https?://[^>\s]+>|https?://\S+")
BLOCKQUOTE = re.compile(r"^\s*>.*$", re.MULTILINE)

NUMBER = r"(?<![\w.])\d+(?:[.,]\d+)*"
UNIT = (r"(?:[KMGk]i?B|ms|s|sec|secs|seconds?|mins?|minutes?|hours?|초|분|시간|배|×|x|%)"
        r"(?![A-Za-z0-9])")
TYPED_NUMBER = re.compile(rf"{NUMBER}\s?{UNIT}")
# A token renders its own unit (`{{ ratio ... }}` → 7.4× or 7.4배, `{{ size }}` → 145.0 MB).
UNIT_AFTER_TOKEN = re.compile(r"\}\}[ \t]?(?:배|×|x(?![A-Za-z])|MB|GB|kB|초|s(?![A-Za-z])|%)")

# A home folder or a checkout of a machine, wherever it is written. The official node images'
# user `node` has its home in the image: `/home/node` is a container path.
HOME = re.compile(r"(?<![\w.~-])/(?:home|Users)/(?!node\b)[\w.-]+|(?<![\w.~-])/work/[\w.-]+")
# Any absolute host path, in Markdown prose (outside code) only.
HOST_PATH = re.compile(r"(?<![\w.~<>:-])/(?:tmp|root|work|home|Users|var/folders|mnt|srv)(?:/[\w.-]*)+")

TEAM = re.compile(
    r"lead engineer|the lead (?:reviews|commits|owns)|리드 엔지니어|"
    r"(?:do not|don't|never) (?:run )?`?git (?:add|commit|stash|checkout|reset)|"
    r"who (?:may|can) commit|helpers? (?:session|agent)s?",
    re.IGNORECASE)


def _blank(match: re.Match) -> str:
    """The same text with everything but line breaks turned into spaces."""
    return re.sub(r"[^\n]", " ", match.group(0))


def _without_fences(text: str) -> str:
    lines = text.split("\n")
    out, fence = [], None
    for line in lines:
        opening = FENCE_OPEN.match(line)
        if fence is None and opening:
            fence = opening.group(2)
            out.append("")
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def prose(text: str, keep_tokens: bool = False) -> str:
    """The page with every non-prose part blanked, line for line."""
    text = _without_fences(text)
    text = COMMENT.sub(_blank, text)
    text = INLINE_CODE.sub(_blank, text)
    if not keep_tokens:
        text = TOKEN.sub(_blank, text)
    text = LINK_TARGET.sub(_blank, text)
    return BLOCKQUOTE.sub(_blank, text)


def _findings(text: str, pattern: re.Pattern, reason: str) -> list[tuple[int, str, str]]:
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        for match in pattern.finditer(line):
            start, end = max(0, match.start() - 20), min(len(line), match.end() + 20)
            found.append((number, line[start:end].strip(), f"{reason}: {match.group(0).strip()!r}"))
    return found


def typed_numbers(text: str) -> list[tuple[int, str, str]]:
    """Numbers with a unit typed into the prose of a Markdown page."""
    found = _findings(prose(text), TYPED_NUMBER, "a typed number; use a {{ }} token or drop it")
    with_tokens = prose(text, keep_tokens=True)
    found += _findings(with_tokens, UNIT_AFTER_TOKEN, "a unit typed after a token that renders one")
    return sorted(found)


def machine_paths(path: Path, text: str) -> list[tuple[int, str, str]]:
    """Absolute paths of a machine: home folders and checkouts anywhere, host paths in prose."""
    found = _findings(text, HOME, "a path of a machine")
    if path.suffix == ".md":
        found += [hit for hit in _findings(prose(text), HOST_PATH, "an absolute host path in prose")
                  if hit[0] not in {line for line, _, _ in found}]
    return sorted(found)


def team_notes(text: str) -> list[tuple[int, str, str]]:
    return _findings(text, TEAM, "a note about how the team works")


def report(findings: dict[str, list[tuple[int, str, str]]]) -> str:
    return "\n".join(f"{name}:{line}: {reason} in “{excerpt}”"
                     for name, hits in sorted(findings.items()) for line, excerpt, reason in hits)
