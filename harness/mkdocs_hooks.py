"""MkDocs hooks: only what is MkDocs' own. The tokens themselves (`{{ size python-api:runner }}`,
`{{ stages python-api }}` ...) are the Markdown extension harness/tokens.py, configured under
`markdown_extensions`, so they render the same under any builder that runs Python-Markdown.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mkdocs.exceptions import Abort

from harness import tokens
from harness.dockerfiles import REPO


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Python-Markdown does not tell an extension which file it renders: name the page, so a
    bad token's error points to its file and line. Every page ends with the stamp of what its
    figures were measured on (engine, buildx, image store, date)."""
    if tokens.NAME not in config["markdown_extensions"]:
        return markdown
    source = Path(page.file.abs_src_path)
    where = source.relative_to(REPO) if source.is_relative_to(REPO) else source
    config["mdx_configs"].setdefault(tokens.NAME, {})["source"] = str(where)
    return markdown.rstrip("\n") + "\n\n{{ meta stamp }}\n{: .proven }\n"


# Pygments wraps every run of spaces between tokens in a span of class `w`, and no stylesheet of
# the site has a rule for that class (Material's has none, nor has extra.css).
WHITESPACE_SPAN = re.compile(r'<span class="w">(\s+)</span>')


def on_page_content(html: str, page, config, files) -> str:
    """Code blocks without their whitespace spans: on a page of many console blocks they were a
    sixth of its HTML, and the text and highlighting are the same without them."""
    return WHITESPACE_SPAN.sub(r"\1", html)


def on_build_error(error: Exception) -> None:
    """MkDocs has logged the bad token with its page, line and what to write instead. End the
    build as MkDocs ends it on its own errors, without the extension's traceback burying that."""
    if isinstance(error, tokens.TokenError):
        raise Abort("Aborted with a bad token!") from None


def on_post_build(config) -> None:
    """Material writes the search index with every non-ASCII character escaped (`\\uc2a4`, six
    bytes for a Hangul syllable that takes three in UTF-8): the Korean index shrinks by about
    a third written as UTF-8. Browsers read fetched JSON as UTF-8, so the search is the same."""
    index = Path(config["site_dir"]) / "search" / "search_index.json"
    if index.exists():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
