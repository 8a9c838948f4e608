"""Fixtures the browser tests share (test_browser.py, test_search.py), as a pytest plugin: the
site built once a session and served on loopback, headless Chromium (Debian's) driven by
Playwright, and a page in it. Screenshots go to test-artifacts/."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import sync_playwright

from harness.dockerfiles import REPO
from harness.site import build, serve

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# How long a test waits for the browser to show something (the search index built, results
# listed): a bound, not a measurement; the suite's other workers may keep both cores busy.
WAIT_MS = 60_000
# Chromium fails the requests it has in flight, loopback ones too, with this error when a
# network interface comes or goes on the machine, as one does for every container Docker starts
# or removes on its bridge; the suite's other workers start hundreds. It is the machine's
# doing, not the page's. A browser test whose failure names it runs again, up to twice
# (pytest-rerunfailures), and pytest's summary line counts each such run (`1 rerun`); any other
# failure fails at once. The weight test weighs such a page again itself (test_browser.weigh).
NETWORK_CHANGED = "net::ERR_NETWORK_CHANGED"
again_if_the_network_changed = pytest.mark.flaky(reruns=2, only_rerun=[NETWORK_CHANGED])
# The flags this closed network needs: no background requests to Google's hosts.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """Both languages built strictly, served on a free loopback port."""
    assert CHROMIUM, "no Chromium: run scripts/ensure-browser.sh"
    out = tmp_path_factory.mktemp("site")
    build(out)
    with serve(out) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A desktop-sized page whose `errors` collect what a reader's console would show."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    # Nothing may come from another host: a request that leaves loopback is an error even
    # where the network would answer it (fonts, CDNs, api.github.com for repository stars).
    page.on("request", lambda request: request.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
            or page.errors.append(f"request to another host: {request.url}"))
    page.on("console", lambda msg: msg.type == "error" and page.errors.append(msg.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()
