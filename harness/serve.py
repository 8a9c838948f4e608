"""Serve both languages from one address, rebuilt and reloaded on every change.

    python -m harness.serve [--port N]      (nox -s serve)

Korean at the root, English under en/, as the published site has them, so the header's language
switch works here too. `mkdocs serve` takes one configuration, so this drives MkDocs' own
live-reload server with a builder that builds both, Korean first (its build empties the folder).
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.livereload import LiveReloadServer

from harness.dockerfiles import REPO, TEMP_PREFIX

LANGUAGES = [("mkdocs.yml", ""), ("mkdocs.en.yml", "en/")]
# What a page is made of: its text, the examples it includes, the measurements it shows, the
# templates and the token hook.
WATCHED = ["docs", "examples", "data", "overrides", "harness/mkdocs_hooks.py",
           *(name for name, _ in LANGUAGES)]


def builder_for(site_dir: str, serve_url: str):
    def build_both(config=None) -> None:
        for config_file, prefix in LANGUAGES:
            config = load_config(config_file=str(REPO / config_file), site_dir=f"{site_dir}/{prefix}")
            config.site_url = serve_url + prefix
            config.plugins.on_startup(command="serve", dirty=False)
            build(config, serve_url=serve_url + prefix)
    return build_both


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    site_dir = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}serve-")
    serve_url = f"http://{args.host}:{args.port}/"
    builder = builder_for(site_dir, serve_url)
    server = LiveReloadServer(builder=builder, host=args.host, port=args.port, root=site_dir)
    try:
        builder()
        for path in WATCHED:
            server.watch(str(REPO / path))
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
