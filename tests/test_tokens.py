"""The measured-number and diagram tokens as a Python-Markdown extension (harness/tokens.py):
a real page rendered by plain Python-Markdown, without MkDocs, shows the measured values and the
stage graph. No Docker needed."""

from __future__ import annotations

import json

import markdown
import pytest

from harness.dockerfiles import REPO
from harness.tokens import DATA, TOKEN, TokenError

MEASURED = json.loads(DATA.read_text())


def render(text: str, lang: str = "en", source: str = "", extensions: tuple = ()) -> str:
    md = markdown.Markdown(extensions=[*extensions, "harness.tokens"],
                           extension_configs={"harness.tokens": {"lang": lang, "source": source}})
    return md.convert(text)


def size(key: str) -> int:
    return MEASURED["images"][key]["size"]


@pytest.mark.parametrize(("lang", "times"), [("en", "{}×"), ("ko", "{}배")])
def test_a_page_shows_the_measured_values_and_the_stage_graph(lang, times):
    page = REPO / "docs" / lang / "python.md"
    html = render(page.read_text(), lang, f"docs/{lang}/python.md")
    assert f"{size('python-api:runner') / 1e6:,.1f} MB" in html
    assert f"{size('python-api:single-slim') / 1e6:,.1f} MB" in html
    ratio = size("python-api:single") / size("python-api:runner")
    assert times.format(f"{ratio:.1f}") in html
    # The stage graph is one raw HTML block: an inline SVG, not a paragraph of escaped markup.
    assert '<div class="stage-graph"><svg' in html and "&lt;svg" not in html
    assert not TOKEN.search(html), TOKEN.search(html).group(0)


def test_the_size_table_is_a_markdown_table():
    html = render("{{ table sizes }}\n", extensions=("tables",))
    assert html.startswith("<table>") and f"<strong>{size('node-app:runner') / 1e6:,.1f} MB</strong>" in html


@pytest.mark.parametrize(("token", "problem"), [
    ("{{ size python-api:nonexistent }}", "no measured image 'python-api:nonexistent'"),
    ("{{ weight python-api:runner }}", "unknown token"),
    ("{{ time python-api lukewarm }}", "no build time 'lukewarm'; one of: cold, base-update"),
    ("{{ part python-api:runner interpreter }}", "no parts measured for python-api:runner"),
    ("{{ part python-api:runner-minimal kernel }}", "kernel"),
])
def test_a_bad_token_names_its_line_and_what_to_write_instead(token, problem):
    with pytest.raises(TokenError) as raised:
        render(f"# Home\n\nText.\n\nThe runner is {token}.\n", source="docs/en/index.md")
    message = str(raised.value)
    assert message.startswith(f"docs/en/index.md:5: bad token {token} ("), message
    assert problem in message and message.endswith("the tokens are listed in harness/tokens.py"), message


def test_go_templates_in_commands_are_not_tokens():
    text = ("$ docker image inspect -f '{{json .Config.Labels}}' img\n"
            "$ docker inspect -f '{{index .Config.Labels \"a\"}}' img\n")
    assert "{{json .Config.Labels}}" in render(text) and "{{index .Config.Labels" in render(text)


def test_the_floor_is_the_sum_of_three_parts():
    parts = json.loads(DATA.read_text())["images"]["python-api:runner-minimal"]["parts"]
    floor = (parts["interpreter"] + parts["dependencies"] + parts["libraries"]) / 1e6
    assert f"{floor:,.1f} MB" in render("{{ floor python-api:runner-minimal }}")


def test_the_line_is_the_pages_own_after_an_included_file():
    """The tokens run before pymdownx.snippets inserts a file's lines, so the line stays the page's."""
    text = '```dockerfile\n--8<-- "examples/python-api/Dockerfile"\n```\n\n{{ size nothing }}\n'
    snippets = {"pymdownx.snippets": {"base_path": [str(REPO)], "check_paths": True}}
    md = markdown.Markdown(extensions=["pymdownx.snippets", "harness.tokens"], extension_configs=snippets)
    with pytest.raises(TokenError, match=r"^line 5: bad token \{\{ size nothing \}\}"):
        md.convert(text)


def test_an_unknown_language_is_refused_when_the_extension_loads():
    with pytest.raises(ValueError, match="lang must be one of ko, en"):
        render("text", lang="de")


def test_each_image_store_reports_its_own_size_and_the_stamp_names_the_store():
    stores = MEASURED["stores"]
    shown = stores["containerd"]["go-static:runner"]["inspect"] / 1e6
    assert f"{shown:,.1f} MB" in render("{{ store containerd go-static:runner inspect }}")
    assert "image store" in render("{{ meta stamp }}")
    assert MEASURED["engine"]["server"] in render("{{ meta stamp }}")
    assert "이미지 저장소" in render("{{ meta stamp }}", lang="ko")
    with pytest.raises(TokenError, match="bad token"):
        render("{{ store podman go-static:runner list }}")
