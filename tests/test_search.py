"""Search readers can rely on: every query of tests/search-queries.toml typed into the search field
of the built site in headless Chromium, and the page the table names looked for among the first
pages the search dialog lists. The search runs in Material's own worker (lunr), so this tests the
`search` plugin's configuration in mkdocs.yml and mkdocs.en.yml as readers meet it."""

from __future__ import annotations

import tomllib
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from harness.browser import WAIT_MS
from harness.dockerfiles import REPO

ARTIFACTS = REPO / "test-artifacts"
QUERIES = tomllib.loads((REPO / "tests" / "search-queries.toml").read_text())
ROOTS = {"ko": "/", "en": "/en/"}
TOP = 3  # the results a reader reads before giving up on a query
HIT_RATE = 0.95  # per language: at most one query in twenty may miss


def open_search(page, url: str) -> str:
    """Open the page, focus the header's search field; return the dialog's empty-query text."""
    page.goto(url)
    # The translations Material's script uses, so the test needs no copy of them.
    config = page.evaluate("JSON.parse(document.getElementById('__config').textContent)")
    # At the page fixture's width the field sits in the header (the magnifier is for phones).
    page.locator("input.md-search__input").click()
    return config["translations"]["search.result.placeholder"]


def search(page, query: str, placeholder: str, root: str) -> list[str]:
    """Type a query into the open search dialog; the pages it lists, in order, under `root`."""
    box = page.locator("input.md-search__input")
    meta = page.locator(".md-search-result__meta")
    # Empty the field first: the dialog then shows its placeholder, and the next text it shows
    # is the answer to this query (the worker answers queries in the order it gets them).
    # Material reads the field on keyup, so each fill() is followed by a key press.
    box.fill("")
    box.press("End")
    expect(meta).to_have_text(placeholder, timeout=WAIT_MS)
    box.fill(query)
    box.press("End")
    expect(meta).not_to_have_text(placeholder, timeout=WAIT_MS)
    # A page's sections are links inside its item: the first link of an item is the page.
    hrefs = page.locator(".md-search-result__item > a").evaluate_all("els => els.map(e => e.href)")
    paths = dict.fromkeys(urlsplit(href).path.removeprefix(root) or "./" for href in hrefs)
    return list(paths)


def misses(expected: dict[str, str], found: dict[str, list[str]]) -> list[tuple[str, str, list[str]]]:
    """(query, expected page, first pages listed) for every query whose page is not in the top."""
    return [(query, page, found[query][:TOP]) for query, page in expected.items()
            if page not in found[query][:TOP]]


def report(lang: str, expected: dict[str, str], missed: list) -> str:
    hits = len(expected) - len(missed)
    lines = [f"search ({lang}): {hits}/{len(expected)} queries find their page "
             f"in the top {TOP} ({hits / len(expected):.0%})"]
    lines += [f"  miss: {query!r} expected {page!r}, top {TOP}: {top}" for query, page, top in missed]
    return "\n".join(lines)


def test_the_query_table_has_enough_queries_of_each_language():
    for lang in ROOTS:
        assert len(QUERIES[lang]) >= 30, lang
        assert any(query.startswith("--") for query in QUERIES[lang]), f"{lang}: no Dockerfile flag"
        for page in QUERIES[lang].values():
            source = REPO / "docs" / lang / f"{page.strip('./') or 'index'}.md"
            assert source.is_file(), f"{lang}: {page} is no page"


@pytest.mark.parametrize("lang", ROOTS)
def test_readers_find_the_page_they_search_for(page, base_url, lang, capsys):
    root = ROOTS[lang]
    placeholder = open_search(page, base_url + root)
    expected = QUERIES[lang]
    found = {query: search(page, query, placeholder, root) for query in expected}
    missed = misses(expected, found)
    summary = report(lang, expected, missed)
    page.screenshot(path=str(ARTIFACTS / f"search-{lang}.png"))
    with capsys.disabled():
        print("\n" + summary)
    assert (len(expected) - len(missed)) / len(expected) >= HIT_RATE, summary
    assert page.errors == []


def test_a_page_that_is_not_in_the_top_is_a_miss():
    """The measure above must be able to fail: a wrong page, or a right one listed too late."""
    found = {"캐시 마운트": ["cache/", "glossary/", "basics/"],
             "bake": ["glossary/", "ci/", "index/", "shared-stages/"]}
    expected = {"캐시 마운트": "secrets/", "bake": "shared-stages/"}
    assert misses(expected, found) == [("캐시 마운트", "secrets/", ["cache/", "glossary/", "basics/"]),
                                       ("bake", "shared-stages/", ["glossary/", "ci/", "index/"])]
    assert "0/2 queries" in report("ko", expected, misses(expected, found))


def test_a_wrong_page_is_reported_by_the_real_search(page, base_url):
    """The same through the browser: the English page on .dockerignore never mentions gunicorn."""
    placeholder = open_search(page, base_url + "/en/")
    found = {"gunicorn": search(page, "gunicorn", placeholder, "/en/")}
    assert found["gunicorn"][:TOP], "the search listed nothing"
    assert misses({"gunicorn": "dockerignore/"}, found) == [("gunicorn", "dockerignore/",
                                                            found["gunicorn"][:TOP])]


@pytest.mark.parametrize(("path", "words"), [("/cache/?h=캐시+마운트", {"캐시", "마운트"}),
                                            ("/en/secrets/?h=type%3Dsecret", {"type", "secret"})])
def test_the_page_a_result_opens_marks_the_words(page, base_url, path, words):
    """search.highlight builds a regular expression from the separator: it must still compile
    (a page error otherwise) and mark the words the query was split into."""
    page.goto(base_url + path)
    marks = page.locator("mark[data-md-highlight]")
    marks.first.wait_for(timeout=WAIT_MS)
    marked = {word.lower() for text in marks.all_inner_texts() for word in text.split()}
    assert words <= marked, marked
    assert page.errors == []
