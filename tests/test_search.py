"""Search readers can rely on: every query of tests/search-queries.toml entered into the search
field of the built site in headless Chromium (a table in one call, search_all; a few queries
typed key by key, search), and the page the table names looked for among the first pages the
search dialog lists. The search runs in Material's own worker (lunr), so this tests the
`search` plugin's configuration in mkdocs.yml and mkdocs.en.yml as readers meet it."""

from __future__ import annotations

import tomllib
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from harness.browser import WAIT_MS, again_if_the_network_changed
from harness.dockerfiles import REPO

pytestmark = again_if_the_network_changed
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
    links = page.locator(".md-search-result__item > a")
    return pages(links.evaluate_all("els => els.map(e => e.href)"), root)


def pages(hrefs: list[str], root: str) -> list[str]:
    """The pages a result list links to, in order, as paths under `root`."""
    return list(dict.fromkeys(urlsplit(href).path.removeprefix(root) or "./" for href in hrefs))


# The steps of search() for a whole query table, in the page: Playwright's calls cost a round
# trip each from this process to the browser, six a query, and took four times the CPU of
# the search itself. Material reads the field's value when a keyup reaches it (the same
# handler Playwright's key press reaches), so the dialog, its worker and its result list are
# the ones a reader's typing drives; test_the_whole_table_finds_what_typing_finds compares.
SEARCH_ALL = """async ([queries, placeholder, waitMs]) => {
  const box = document.querySelector('input.md-search__input');
  const meta = document.querySelector('.md-search-result__meta');
  const type = (text) => {
    box.value = text;
    box.dispatchEvent(new KeyboardEvent('keyup', {key: 'End', bubbles: true}));
  };
  const until = (done, query) => new Promise((resolve, reject) => {
    if (done()) return resolve();
    const observer = new MutationObserver(() => {
      if (done()) { observer.disconnect(); clearTimeout(timer); resolve(); }
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`the search dialog did not answer ${JSON.stringify(query)} in ${waitMs} ms`));
    }, waitMs);
    observer.observe(meta, {childList: true, characterData: true, subtree: true});
  });
  const found = {};
  for (const query of queries) {
    type('');
    await until(() => meta.textContent === placeholder, '');
    type(query);
    await until(() => meta.textContent !== placeholder, query);
    found[query] = [...document.querySelectorAll('.md-search-result__item > a')].map(a => a.href);
  }
  return found;
}"""


def search_all(page, queries: list[str], placeholder: str, root: str) -> dict[str, list[str]]:
    """search() for every query, in one call into the open search dialog."""
    found = page.evaluate(SEARCH_ALL, [queries, placeholder, WAIT_MS])
    return {query: pages(hrefs, root) for query, hrefs in found.items()}


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
    found = search_all(page, list(expected), placeholder, root)
    missed = misses(expected, found)
    summary = report(lang, expected, missed)
    page.screenshot(path=str(ARTIFACTS / f"search-{lang}.png"))
    with capsys.disabled():
        print("\n" + summary)
    assert (len(expected) - len(missed)) / len(expected) >= HIT_RATE, summary
    assert page.errors == []


@pytest.mark.parametrize("lang", ROOTS)
def test_the_whole_table_finds_what_typing_finds(page, base_url, lang):
    """search_all() gets what Playwright's typing gets: the same pages in the same order, for
    a query of each kind (a word, a flag, a phrase) and one that finds nothing."""
    root = ROOTS[lang]
    placeholder = open_search(page, base_url + root)
    queries = [next(q for q in QUERIES[lang] if q.startswith("--")),
               next(q for q in QUERIES[lang] if " " in q), next(iter(QUERIES[lang])), "zzqx"]
    typed = {query: search(page, query, placeholder, root) for query in queries}
    assert search_all(page, queries, placeholder, root) == typed
    assert all(typed[query] for query in queries[:3]) and typed["zzqx"] == []
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
