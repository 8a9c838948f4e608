"""The site as built: strict in both languages, the same pages and structure in both, links
and anchors intact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.dockerfiles import REPO
from harness.site import DOCS, build, structure

KO = sorted(p.relative_to(DOCS / "ko") for p in (DOCS / "ko").rglob("*.md"))
EN = sorted(p.relative_to(DOCS / "en") for p in (DOCS / "en").rglob("*.md"))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build(out)
    return out


def test_both_languages_have_the_same_pages():
    assert KO == EN
    assert len(KO) >= 19


@pytest.mark.parametrize("page", KO, ids=str)
def test_a_page_has_the_same_structure_in_both_languages(page):
    ko, en = structure(DOCS / "ko" / page), structure(DOCS / "en" / page)
    for part in ("headings", "code", "directives", "tokens"):
        assert ko[part] == en[part], f"{page}: {part} differ between docs/ko and docs/en"


def test_every_heading_has_an_explicit_id():
    for page in KO:
        for level, anchor in structure(DOCS / "ko" / page)["headings"]:
            assert level == 1 or anchor, f"docs/ko/{page}: a level-{level} heading without {{#id}}"


def test_the_strict_build_makes_both_sites(site):
    assert (site / "index.html").exists() and (site / "en" / "index.html").exists()
    assert (site / "assets" / "javascripts" / "mermaid.min.js").exists()
    assert (site / "en" / "assets" / "javascripts" / "mermaid.min.js").exists()
    home = (site / "index.html").read_text()
    assert 'lang="ko"' in home and "fonts.googleapis.com" not in home


def test_no_page_loads_anything_from_another_host(site):
    for html in site.rglob("*.html"):
        text = html.read_text()
        for marker in ("unpkg.com", "cdn.jsdelivr.net", "fonts.googleapis.com", "fonts.gstatic.com"):
            assert marker not in text, f"{html.relative_to(site)} loads from {marker}"


def test_internal_links_and_anchors_resolve(site):
    config = REPO / "tests" / "linkcheckerrc"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "linkchecker"), "--config", str(config), "--no-status",
         str(site / "index.html"), str(site / "en" / "index.html")],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
