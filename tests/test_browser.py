"""The site in a real browser: headless Chromium (Debian's) driven by Playwright against the
built site served on loopback (the `browser`, `base_url` and `page` fixtures are in harness/browser.py,
which test_search.py shares; search is tested there). Screenshots go to test-artifacts/ (not committed)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.request import urlopen

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from harness.browser import NETWORK_CHANGED, WAIT_MS, again_if_the_network_changed
from harness.dockerfiles import REPO
from harness.site import OPTIONAL_GROUPS, READER_PATH, nav

pytestmark = again_if_the_network_changed
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def served_url():
    """The README's serve command's server (both languages, live reload) on a free port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "harness.serve", "--port", str(port)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    try:
        for line in server.stdout:
            if "Serving on" in line:
                break
        else:
            pytest.fail(f"harness.serve stopped: exit {server.wait()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize(("path", "lang", "title"), [("/", "ko", "멀티스테이지"),
                                                    ("/en/", "en", "multi-stage")])
def test_home_pages_render_without_console_errors(page, base_url, path, lang, title):
    page.goto(base_url + path)
    assert page.locator("html").get_attribute("lang") == lang
    assert title.lower() in page.title().lower()
    assert page.locator("table").count() >= 1 and page.locator("svg.size-chart").count() == 1
    page.screenshot(path=str(ARTIFACTS / f"home-{lang}.png"), full_page=True)
    assert page.errors == []


# What the sidebar shows: each top-level group's title and the addresses of its pages, in order.
SIDEBAR = """() => [...document.querySelectorAll('.md-nav--primary > .md-nav__list > .md-nav__item')]
  .map(item => ({
    title: item.querySelector(':scope > .md-nav__link').textContent.trim(),
    pages: [...item.querySelectorAll(':scope > nav > .md-nav__list > .md-nav__item > a.md-nav__link')]
      .map(link => new URL(link.href).pathname)}))"""


def test_the_sidebar_follows_the_readers_path(page, base_url):
    """The navigation as a reader meets it in the browser: the English groups are the reader's
    path in its order, the Korean sidebar has the same pages in the same places, and each
    group lists its pages as the configuration orders them."""
    shown = {}
    for root, config in (("/", "mkdocs.yml"), ("/en/", "mkdocs.en.yml")):
        page.goto(base_url + root)
        shown[root] = page.evaluate(SIDEBAR)
        configured = nav(REPO / config)
        assert [group["title"] for group in shown[root]] == [title for title, _ in configured]
        for group, (_, pages) in zip(shown[root], configured, strict=True):
            addresses = [root + ("" if name == "index.md" else name.removesuffix(".md") + "/")
                         for name in pages]
            assert group["pages"] == addresses, group["title"]
    titles = [group["title"] for group in shown["/en/"]]
    assert titles == [title for title in READER_PATH if title in titles or title not in OPTIONAL_GROUPS]
    assert [[address.removeprefix("/en") for address in group["pages"]] for group in shown["/en/"]] == \
        [group["pages"] for group in shown["/"]]
    assert page.errors == []


@pytest.mark.parametrize("site", ["built", "served"])
def test_the_language_switch_keeps_the_page(page, request, site):
    base_url = request.getfixturevalue("base_url" if site == "built" else "served_url")
    page.goto(base_url + "/python/")
    page.locator(".md-select a[hreflang=en]").first.dispatch_event("click")
    page.wait_for_url("**/en/python/")
    page.locator(".md-select a[hreflang=ko]").first.dispatch_event("click")
    page.wait_for_url(lambda url: url.endswith("/python/") and "/en/" not in url)
    assert page.errors == []


def test_the_served_site_reloads_when_a_page_changes(page, served_url):
    page.goto(served_url + "/en/cache/")
    with page.expect_event("load", timeout=30000):
        # A new modification time is a change to the server's watcher; the text stays.
        (REPO / "docs" / "en" / "cache.md").touch()
    assert page.url == served_url + "/en/cache/"
    assert page.errors == []


def test_korean_text_breaks_between_words_and_diagrams_render(page, base_url):
    page.goto(base_url + "/python/")
    word_break = page.evaluate("getComputedStyle(document.querySelector('.md-typeset')).wordBreak")
    assert word_break == "keep-all"
    # The stage graph is an inline SVG drawn at build time (harness/diagrams.py): present,
    # described, and laid out with a size of its own (its CSS scales it to the column).
    diagram = page.locator(".stage-graph svg[role=img]").first
    diagram.wait_for(timeout=WAIT_MS)
    assert "python:3.13-slim" in diagram.get_attribute("aria-label")
    assert diagram.locator("title").count() == 1
    box = diagram.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, box
    page.screenshot(path=str(ARTIFACTS / "python-ko.png"), full_page=True)
    assert page.errors == []


@pytest.mark.parametrize(("system", "scheme", "then", "after"), [("light", "default", "dark", "slate"),
                                                             ("dark", "slate", "light", "default")])
def test_the_colour_scheme_follows_the_system_setting(page, base_url, system, scheme, then, after):
    """overrides/partials/palette.html: the scheme of the reader's system, from the first paint
    and when it changes while the page is open; the header has no toggle of Material's."""
    page.emulate_media(color_scheme=system)
    page.goto(base_url + "/en/python/")
    body = page.locator("body")
    assert body.get_attribute("data-md-color-scheme") == scheme
    page.emulate_media(color_scheme=then)
    page.wait_for_function(f"document.body.dataset.mdColorScheme === {after!r}", timeout=5000)
    assert page.locator("[data-md-component=palette]").count() == 0
    assert page.errors == []


def test_code_blocks_get_their_copy_button_when_they_come_into_view(page, base_url):
    """The undocumented content.lazy flag in mkdocs.yml: Material adds copy buttons only to the
    code blocks a reader scrolls to, not to all of them while the page loads."""
    page.goto(base_url + "/python/", wait_until="load")
    with_button = "pre:has(.md-code__button[data-md-type=copy])"
    blocks = page.locator(".md-typeset pre")
    last = blocks.last
    page.locator(with_button).first.wait_for(timeout=5000)
    assert page.locator(with_button).count() < blocks.count()
    assert last.locator(".md-code__button").count() == 0
    last.scroll_into_view_if_needed()
    last.locator(".md-code__button[data-md-type=copy]").wait_for(timeout=5000)
    assert page.errors == []


def test_the_search_index_loads_when_the_reader_starts_a_search(page, base_url):
    """No page pays for the search index or the search worker until its reader searches: then
    "/" (Material's shortcut) focuses the field, the index arrives and a query finds pages."""
    requested, workers = [], []
    page.on("request", lambda request: "search_index.json" in request.url and requested.append(request.url))
    page.on("worker", lambda worker: workers.append(worker.url))
    page.goto(base_url + "/en/", wait_until="load")
    page.wait_for_load_state("networkidle")
    assert requested == [] and workers == []
    page.keyboard.press("/")
    page.wait_for_function("() => performance.getEntriesByType('resource')"
                           ".some(e => e.name.includes('search_index.json') && e.responseEnd > 0)",
                           timeout=WAIT_MS)
    # Ready when the worker has built its index: the dialog then shows its placeholder. Material
    # reads the field on keyup, so the query is typed after that, followed by a key press.
    config = page.evaluate("JSON.parse(document.getElementById('__config').textContent)")
    expect(page.locator(".md-search-result__meta")).to_have_text(
        config["translations"]["search.result.placeholder"], timeout=WAIT_MS)
    page.fill("[data-md-component=search-query]", "cache mount")
    page.press("[data-md-component=search-query]", "End")
    page.wait_for_selector(".md-search-result__item", timeout=WAIT_MS)
    assert len(requested) == 1 and len(workers) == 1 and "search-worker.js" in workers[0]
    assert page.errors == []


def test_a_request_to_another_host_is_caught(page):
    """The page fixture's guard must be able to fail: a page that loads one image from
    elsewhere (the host cannot resolve, so nothing leaves the machine)."""
    page.set_content('<img src="http://assets.example.invalid/logo.png">')
    page.wait_for_timeout(500)
    assert any("request to another host: http://assets.example.invalid/logo.png" in error
               for error in page.errors), page.errors


PROBES = """
import pytest
from harness.browser import NETWORK_CHANGED, again_if_the_network_changed

RUNS = []

@again_if_the_network_changed
def test_cut_once():
    RUNS.append("cut")
    assert RUNS.count("cut") > 1, ["Failed to load resource: " + NETWORK_CHANGED]

@again_if_the_network_changed
def test_cut_every_time():
    assert False, ["Failed to load resource: " + NETWORK_CHANGED]

@again_if_the_network_changed
def test_broken_page():
    RUNS.append("broken")
    assert RUNS.count("broken") > 1, ["Uncaught TypeError: search is not a function"]
"""


def test_only_a_network_change_runs_a_browser_test_again(pytester):
    """A test cut by NETWORK_CHANGED once passes on its second run, and the summary line says
    it ran again; one cut every time still fails, after two more runs; any other console error
    fails at its first run, though a second would pass."""
    pytester.makepyfile(test_probes=PROBES)
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert {key: count for key, count in result.parseoutcomes().items() if key != "seconds"} == \
        {"failed": 2, "passed": 1, "rerun": 3}
    result.stdout.fnmatch_lines(["FAILED test_probes.py::test_cut_every_time - *",
                                 "FAILED test_probes.py::test_broken_page - *"])


# Every page of both languages, as a reader's browser loads it: HTML, CSS, JS, the search
# worker, images; the search index loads only when the reader starts a search
# (overrides/main.html). Uncompressed bytes (the test server sends no compression).
BUDGET = 400_000
PAGES = [("" if lang == "ko" else "/en") + "/" + ("" if p.stem == "index" else f"{p.stem}/")
         for lang in ("ko", "en") for p in sorted((REPO / "docs" / lang).glob("*.md"))]


# A page whose load Chromium cut because the network changed under it (NETWORK_CHANGED) is
# weighed again, up to ATTEMPTS loads in all.
ATTEMPTS = 3


def weigh(browser, urls: list[str], elsewhere: list[str], cache_off: bool = True,
          files: list[dict[str, int]] | None = None, reloaded: list[str] | None = None,
          network_changed: str = NETWORK_CHANGED, setup=None) -> list[int]:
    """Bytes of every response while each page loads with nothing cached, until its network
    is idle; requests that leave loopback go to `elsewhere`, each page's bytes per address
    to `files`, and each page loaded again because the network changed under it to
    `reloaded`, if given. `setup` may route the browser context's requests (a test's doing).

    The pages load one after another in one tab whose cache is off (DevTools'
    Network.setCacheDisabled): every load fetches every file again, as from an empty cache, and
    a response the cache served after all (a 304, or a file from memory or disk) fails the
    weighing. A browser context of its own per page would do the same at three times the CPU
    (a renderer process each), and pages loading at once in several tabs left the favicon
    out of some pages' weight, by chance.

    A response's bytes are DevTools' own count as they arrive (Network.dataReceived, after
    decompression), not its body asked for afterwards: on a busy machine the browser had
    sometimes let a body go by then, and the search index weighed 0. A request that fails
    (Network.loadingFailed) fails the weighing, unless the network changed under it
    (NETWORK_CHANGED): then the page loads again."""
    context = browser.new_context()
    if setup:
        setup(context)
    page = context.new_page()
    sent: dict[str, str] = {}  # request id: address (not data: ones, part of a file counted already)
    received: dict[str, int] = {}
    cached: list[str] = []
    failed: list[str] = []

    def note_sent(event):
        if event["request"]["url"].startswith("http"):
            sent[event["requestId"]] = event["request"]["url"]
            received.setdefault(event["requestId"], 0)

    def note_data(event):
        if event["requestId"] in sent:
            received[event["requestId"]] += event["dataLength"]

    def note_from_memory(event):
        if event["requestId"] in sent:
            cached.append(sent[event["requestId"]])

    def note_from_disk_or_304(event):
        if event["response"]["status"] == 304 or event["response"].get("fromDiskCache"):
            cached.append(event["response"]["url"])

    def note_failed(event):
        if event["requestId"] in sent and not event.get("canceled"):
            failed.append(f"{sent[event['requestId']]} ({event['errorText']})")

    devtools = context.new_cdp_session(page)
    devtools.on("Network.requestWillBeSent", note_sent)
    devtools.on("Network.dataReceived", note_data)
    devtools.on("Network.requestServedFromCache", note_from_memory)
    devtools.on("Network.responseReceived", note_from_disk_or_304)
    devtools.on("Network.loadingFailed", note_failed)
    devtools.send("Network.enable")  # the switch below holds only while the domain is on
    devtools.send("Network.setCacheDisabled", {"cacheDisabled": cache_off})
    page.on("request", lambda request: request.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
            or elsewhere.append(request.url))
    weights = []
    try:
        for url in urls:
            for attempt in range(1, ATTEMPTS + 1):
                for kept in (sent, received, cached, failed):
                    kept.clear()
                try:
                    page.goto(url, wait_until="load")
                    page.wait_for_load_state("networkidle")
                except PlaywrightError as error:  # the page itself did not load
                    if network_changed not in str(error) or attempt == ATTEMPTS:
                        raise
                    failed.append(f"{url} ({network_changed})")
                if attempt < ATTEMPTS and failed and all(f.endswith(f"({network_changed})") for f in failed):
                    if reloaded is not None:
                        reloaded.append(f"{url}: {', '.join(failed)}")
                    continue
                break
            assert not cached, f"{url}: the browser's cache served {cached}; the weight would be too low"
            assert not failed, f"{url}: these requests failed, so their bytes are not known: {failed}"
            weights.append(sum(received.values()))
            if files is not None:
                files.append({sent[request]: size for request, size in received.items()})
    finally:
        context.close()
    return weights


def test_the_weight_counts_every_byte_the_browser_receives(browser, base_url):
    """The weigher can fail the budget: it counts a response's whole body (the search index,
    the largest file of the site), and a page loaded a second time in its tab weighs as much as
    the first time: nothing came from the cache."""
    index = [base_url + "/search/search_index.json", base_url + "/en/search/search_index.json"]
    files: list[dict[str, int]] = []
    weights = weigh(browser, index + [base_url + "/"] * 2, [], files=files)
    # A file opened by itself may bring the browser's own request for /favicon.ico (a 404 here).
    assert [files[0][index[0]], files[1][index[1]]] == [len(urlopen(url).read()) for url in index]
    assert weights[:2] == [sum(page.values()) for page in files[:2]]
    assert weights[2] == weights[3] > 100_000


def test_a_file_from_the_cache_fails_the_weighing(browser, base_url):
    """With the cache on, the second load of a page takes its style sheets and scripts from
    the cache (or has them confirmed unchanged, a 304), and the weigher says so."""
    with pytest.raises(AssertionError, match="the browser's cache served"):
        weigh(browser, [base_url + "/"] * 2, [], cache_off=False)


def test_a_request_that_fails_fails_the_weighing(browser):
    """A file whose bytes never arrived is not weighed as nothing: an image from a port where
    nothing listens fails the weighing."""
    with pytest.raises(AssertionError, match=r"requests failed.*127\.0\.0\.1:9/missing\.png"):
        weigh(browser, ["data:text/html,<img src='http://127.0.0.1:9/missing.png'>"], [])


def test_a_page_the_network_changed_under_is_weighed_again(browser, base_url):
    """A request cut by a network change fails the load, not the weighing: the page loads
    again and its second load is weighed whole. Any other failure still fails it. Playwright
    cannot inject NETWORK_CHANGED itself, so the test names the error it injects instead."""
    cut: list[str] = []

    def cut_the_style_sheet_once(context):
        def handle(route):
            if cut:
                route.continue_()
            else:
                cut.append(route.request.url)
                route.abort("internetdisconnected")
        context.route("**/assets/stylesheets/main.*.css", handle)

    files: list[dict[str, int]] = []
    reloaded: list[str] = []
    weigh(browser, [base_url + "/"], [], files=files, reloaded=reloaded,
          network_changed="net::ERR_INTERNET_DISCONNECTED", setup=cut_the_style_sheet_once)
    assert len(cut) == 1 and reloaded == [f"{base_url}/: {cut[0]} (net::ERR_INTERNET_DISCONNECTED)"]
    assert files[0][cut[0]] == len(urlopen(cut[0]).read())
    cut.clear()
    with pytest.raises(AssertionError, match=r"requests failed.*ERR_INTERNET_DISCONNECTED"):
        weigh(browser, [base_url + "/"], [], setup=cut_the_style_sheet_once)


def test_every_page_is_within_the_weight_budget(browser, base_url, capsys):
    elsewhere: list[str] = []
    reloaded: list[str] = []
    weights = dict(zip(PAGES, weigh(browser, [base_url + path for path in PAGES], elsewhere,
                                    reloaded=reloaded), strict=True))
    assert elsewhere == [], f"requests that left loopback: {elsewhere}"
    with capsys.disabled():
        print(f"\npage weight: {min(weights.values()):,} to {max(weights.values()):,} bytes "
              f"over {len(weights)} pages (heaviest {max(weights, key=weights.get)})")
        for reload in reloaded:
            print(f"weighed again, the network changed under it: {reload}")
    over = {path: size for path, size in weights.items() if size > BUDGET}
    assert not over, f"over the {BUDGET:,}-byte budget: {over}"
