"""The built site: build both languages, read a page's structure, serve it on loopback."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from harness.dockerfiles import REPO
from harness.tokens import TOKEN

DOCS = REPO / "docs"
HEADING = re.compile(r"^(#{1,6}) .*?(?:\{#([\w-]+)\})?\s*$", re.MULTILINE)
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
DIRECTIVE = re.compile(r"<!--\s*(run|skip|fragment|claim)\b:?\s*(.*?)\s*-->", re.DOTALL)
VERBATIM = {"console", "dockerfile", "yaml", "json", "python", "typescript", "ts", "tsx", "toml",
            "ini", "text", "hcl", "bash", "sh", "js", "javascript"}


def build(out: Path) -> None:
    """Strict build of both languages; Korean first, since its build empties the folder."""
    build_strictly(REPO / "mkdocs.yml", out)
    build_strictly(REPO / "mkdocs.en.yml", out / "en")


def build_strictly(config: Path, out: Path) -> None:
    """`mkdocs build --strict` of one config; any WARNING or ERROR line fails it too.
    No `-q`: MkDocs 1.6 then hides warnings and `--strict` no longer aborts on them.
    Material 9.8's end-of-life banner is silenced (a notice about the theme, not about
    these pages; the README mentions the move). It runs from the repository root, as
    `nox -s docs` does, whatever folder the configuration is in: `python -m` puts the root on
    sys.path for the Markdown extension harness.tokens, and snippets' base_path is relative to it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "-f", str(config), "-d", str(out)],
                            cwd=REPO, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise AssertionError(f"mkdocs build --strict -f {config.name} failed:\n{result.stderr[-3000:]}")
    logged = [line for line in result.stderr.splitlines() if line.startswith(("WARNING", "ERROR"))]
    if logged:
        raise AssertionError(f"mkdocs build -f {config.name} logged:\n" + "\n".join(logged))


def structure(path: Path) -> dict:
    """What must be the same in both languages: heading levels and ids, code blocks (except
    prose-free ones' text is compared verbatim), directives and claims, measurement tokens."""
    text = path.read_text()
    fences = FENCE.findall(text)
    without_code = FENCE.sub("", text)
    return {
        "headings": [(len(level), anchor) for level, anchor in HEADING.findall(without_code)],
        "code": [(lang, body if lang in VERBATIM else None) for lang, body in fences],
        "directives": [(kind, args if kind in ("run", "claim") else None)
                       for kind, args in DIRECTIVE.findall(text)],
        "tokens": [token.group(0) for token in TOKEN.finditer(text)],
    }


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _GzipHandler(_QuietHandler):
    """Text files gzip-compressed for a client that accepts it, as GitHub Pages serves them."""

    COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # the redirect to the folder's address
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (wants_gzip and path.suffix in self.COMPRESSED and path.is_file()):
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(root: Path, compress: bool = False):
    """Serve a folder on 127.0.0.1 at a free port; yield the base URL. With `compress`, text
    files go out gzip-compressed to clients that accept it, as a real host serves them."""
    handler = functools.partial(_GzipHandler if compress else _QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# The navigation's groups, in the order a reader goes: what the English site calls them. A group
# for when a build fails belongs before the reference; it is optional until its pages exist.
READER_PATH = ["Start here", "Language recipes", "Faster builds", "Smaller and safer images",
               "Shipping: CI, platforms, offline", "When it fails", "Reference"]
OPTIONAL_GROUPS = {"When it fails"}


class _AnyTag(yaml.SafeLoader):
    """mkdocs.yml's !ENV and !!python/... tags read as nothing: only `nav` matters here."""


_AnyTag.add_multi_constructor("", lambda loader, suffix, node: None)


def nav(config: Path) -> list[tuple[str, list[str]]]:
    """A configuration's navigation as (group title, [page files]); its INHERIT's when it has
    none of its own, as MkDocs merges them (lists are replaced, never merged). A top-level
    page outside any group is a group of its own with no title (None)."""
    data = yaml.load(config.read_text(), Loader=_AnyTag)
    if "nav" not in data and "INHERIT" in data:
        return nav(config.parent / data["INHERIT"])
    groups = []
    for item in data.get("nav") or []:
        (title, value), = item.items()
        if isinstance(value, str):
            groups.append((None, [value]))
        else:
            groups.append((title, _pages(value)))
    return groups


def _pages(entries: list) -> list[str]:
    """The page files of a group, subgroups flattened in order."""
    return [page for entry in entries for value in entry.values()
            for page in ([value] if isinstance(value, str) else _pages(value))]
