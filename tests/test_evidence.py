"""The evidence rule (harness.evidence): every `##`/`###` section of a page in both languages
holds an executed console block or a claim, or is marked `<!-- no-evidence: REASON -->`."""

from __future__ import annotations

import pytest

from harness import evidence
from harness.dockerfiles import REPO

DOCS = REPO / "docs"
FIXTURE = REPO / "tests" / "fixtures" / "pages" / "no_evidence.md"


def pages(lang: str) -> list:
    return sorted((DOCS / lang).rglob("*.md"))


def test_the_rule_catches_sections_without_evidence():
    failing = evidence.missing([FIXTURE])
    assert [(section.line, section.title) for section in failing] == [
        (9, "Only a skipped command {#skipped}"),
        (16, "Only prose {#prose}"),
        (29, "A subsection with prose only {#sub}"),
    ]
    assert evidence.count([FIXTURE]) == (2, 6)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_section_shows_evidence_or_says_why_not(lang):
    paths = pages(lang)
    proven, total = evidence.count(paths)
    print(f"\n{lang}: {proven}/{total} sections with evidence")
    failing = evidence.missing(paths)
    listed = "\n".join(f"{section.path.relative_to(REPO)}:{section.line} {section.title}"
                       for section in failing)
    assert not failing, (f"{lang}: {proven}/{total} sections with evidence; {len(failing)} "
                         f"without evidence or a <!-- no-evidence: REASON --> mark:\n{listed}")
