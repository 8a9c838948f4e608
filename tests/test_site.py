"""The site as built: strict in both languages, the same pages and structure in both, links
and anchors intact (anchors through MkDocs' own validation, links through LinkChecker), and a
navigation that follows the reader's path, the same in both languages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.dockerfiles import REPO
from harness.site import DOCS, OPTIONAL_GROUPS, READER_PATH, build, build_strictly, nav, serve, structure

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




def nav_problems(ko: list[tuple[str, list[str]]], en: list[tuple[str, list[str]]],
                 pages: list[str]) -> list[str]:
    """What keeps two navigations from being the reader's path: each language lists every page
    once, in groups only, the first group opens with the home page, the English groups follow
    READER_PATH, and both languages hold the same pages in the same places."""
    problems = []
    for lang, groups in (("ko", ko), ("en", en)):
        listed = [page for _, group in groups for page in group]
        problems += [f"{lang}: {page} is listed {listed.count(page)} times"
                     for page in sorted(set(listed)) if listed.count(page) > 1]
        problems += [f"{lang}: {page} is not in the navigation" for page in pages if page not in listed]
        problems += [f"{lang}: {page} is in the navigation but not in docs/{lang}/"
                     for page in sorted(set(listed) - set(pages))]
        problems += [f"{lang}: {group} is a page outside any group"
                     for title, group in groups if title is None]
        if not groups or not groups[0][1] or groups[0][1][0] != "index.md":
            problems.append(f"{lang}: the first group does not start with the home page (index.md)")
    titles = [title for title, _ in en]
    if titles != [title for title in READER_PATH if title in titles or title not in OPTIONAL_GROUPS]:
        problems.append(f"en: the groups are {titles}, not the reader's path {READER_PATH}")
    if [len(group) for _, group in ko] != [len(group) for _, group in en]:
        problems.append("ko and en group their pages differently: "
                        f"{[len(g) for _, g in ko]} pages per group, against {[len(g) for _, g in en]}")
    # Groups and pages of unequal length are reported above: compare the places both have.
    for (ko_title, ko_group), (en_title, en_group) in zip(ko, en, strict=False):
        for place, (ko_page, en_page) in enumerate(zip(ko_group, en_group, strict=False), start=1):
            if ko_page != en_page:
                problems.append(f"page {place} of {ko_title!r} / {en_title!r}: "
                                f"{ko_page} in ko, {en_page} in en")
    return problems


def test_the_navigation_follows_the_reader_s_path_in_both_languages():
    ko, en = nav(REPO / "mkdocs.yml"), nav(REPO / "mkdocs.en.yml")
    problems = nav_problems(ko, en, [page.as_posix() for page in KO])
    assert not problems, "\n".join(problems)


def test_the_navigation_check_catches_a_missing_or_misplaced_page(tmp_path):
    """The check above must be able to fail: broken copies of mkdocs.en.yml, one without a
    page, one with two pages swapped, one that lists a page twice."""
    ko = nav(REPO / "mkdocs.yml")
    pages = [page.as_posix() for page in KO]
    text = (REPO / "mkdocs.en.yml").read_text()
    lines = text.splitlines(keepends=True)
    basics = next(i for i, line in enumerate(lines) if line.strip() == "- Basics: basics.md")
    benefits = next(i for i, line in enumerate(lines) if line.strip() == "- Benefits: benefits.md")
    broken = {
        "missing": "".join(lines[:basics] + lines[basics + 1:]),
        "swapped": "".join(lines[:basics] + [lines[benefits], lines[basics]] + lines[benefits + 1:]),
        "twice": text + "  - Again:\n      - Basics: basics.md\n",
    }
    found = {}
    for name, copy in broken.items():
        (tmp_path / f"{name}.yml").write_text(copy)
        found[name] = nav_problems(ko, nav(tmp_path / f"{name}.yml"), pages)
    assert "en: basics.md is not in the navigation" in found["missing"], found["missing"]
    assert any("basics.md in ko, benefits.md in en" in problem
               for problem in found["swapped"]), found["swapped"]
    assert "en: basics.md is listed 2 times" in found["twice"], found["twice"]
    assert any("not the reader's path" in problem for problem in found["twice"]), found["twice"]


def test_every_heading_has_an_explicit_id():
    for page in KO:
        for level, anchor in structure(DOCS / "ko" / page)["headings"]:
            assert level == 1 or anchor, f"docs/ko/{page}: a level-{level} heading without {{#id}}"


def test_the_strict_build_makes_both_sites(site):
    assert (site / "index.html").exists() and (site / "en" / "index.html").exists()
    home = (site / "index.html").read_text()
    assert 'lang="ko"' in home and "fonts.googleapis.com" not in home
    # Stage graphs are inline SVG drawn at build time: no diagram script is shipped.
    python = (site / "python" / "index.html").read_text()
    assert '<div class="stage-graph"><svg' in python and "mermaid" not in python


def test_no_page_loads_anything_from_another_host(site):
    for html in site.rglob("*.html"):
        text = html.read_text()
        for marker in ("unpkg.com", "cdn.jsdelivr.net", "fonts.googleapis.com", "fonts.gstatic.com"):
            assert marker not in text, f"{html.relative_to(site)} loads from {marker}"


def check_links(root: Path) -> subprocess.CompletedProcess:
    """LinkChecker over HTTP: run as root it drops to `nobody`, who cannot read pytest's
    private temporary folders, so it gets the site from a loopback server instead."""
    config = REPO / "tests" / "linkcheckerrc"
    with serve(root) as url:
        return subprocess.run(
            [str(Path(sys.executable).parent / "linkchecker"), "--config", str(config),
             "--no-status", f"{url}/", f"{url}/en/"],
            capture_output=True, text=True, timeout=600)


def test_internal_links_resolve(site):
    result = check_links(site)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 errors found" in result.stdout, result.stdout[-2000:]


def test_the_link_check_catches_a_missing_page(tmp_path):
    """The check above must be able to fail: a page linking to one that does not exist."""
    (tmp_path / "index.html").write_text('<a href="other.html">x</a><a href="missing.html">y</a>')
    (tmp_path / "other.html").write_text("<h1>other</h1>")
    result = check_links(tmp_path)
    assert result.returncode != 0
    assert "missing.html" in result.stdout and "404" in result.stdout, result.stdout


def test_the_strict_build_catches_a_broken_anchor(tmp_path):
    """Anchors are MkDocs' job (see tests/linkcheckerrc): the site's own `validation`
    settings and the harness's own strict build, on a two-page fixture whose link names a
    heading that is not there."""
    class _Loader(yaml.SafeLoader):
        pass
    _Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    validation = yaml.load((REPO / "mkdocs.yml").read_text(), Loader=_Loader)["validation"]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\n[there](other.md#nowhere)\n")
    (docs / "other.md").write_text("# Other\n\n## Somewhere\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"site_name": "fixture", "validation": validation}))
    # The exit-status branch (strict mode aborted), with MkDocs' warning naming the anchor.
    with pytest.raises(AssertionError, match=r"--strict -f mkdocs.yml failed:[\s\S]*#nowhere"):
        build_strictly(config, tmp_path / "site")


@pytest.mark.parametrize(("token", "problem"), [
    ("{{ size python-api:nonexistent }}", "no measured image 'python-api:nonexistent'"),
    ("{{ weight python-api:runner }}", "unknown token"),
])
def test_a_bad_token_fails_the_build_with_page_and_line(tmp_path, token, problem):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(f"# Home\n\nText.\n\nThe runner is {token}.\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"site_name": "fixture", "theme": {"name": "material", "language": "en"},
                                      "markdown_extensions": [{"harness.tokens": {"lang": "en"}}],
                                      "hooks": [str(REPO / "harness" / "mkdocs_hooks.py")]}))
    with pytest.raises(AssertionError) as raised:
        build_strictly(config, tmp_path / "site")
    message = str(raised.value)
    assert f"{docs / 'index.md'}:5: bad token {token}" in message and problem in message, message
    assert "Traceback" not in message, message
