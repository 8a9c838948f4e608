"""The built site: build both languages, read a page's structure, serve it on loopback."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

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


@contextlib.contextmanager
def serve(root: Path):
    """Serve a folder on 127.0.0.1 at a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
