"""The version table (data/features.toml, harness/features.py): it covers every feature the
examples, bake files and page commands use; an unlisted flag fails with its file and line; a
malformed row says what to write. No Docker needed."""

from __future__ import annotations

import re

import markdown
import pytest

from harness import features
from harness.features import FEATURES, FeatureError

ROWS = FEATURES.read_text()


def rows_without(*feature_ids: str) -> str:
    """data/features.toml with these [[feature]] rows taken out."""
    parts = re.split(r"(?m)^(?=\[\[feature\]\])", ROWS)
    kept = [part for part in parts if not any(f'id = "{feature_id}"\n' in part for feature_id in feature_ids)]
    assert len(kept) == len(parts) - len(feature_ids), feature_ids
    return "".join(kept)


def test_the_table_covers_every_feature_the_repository_uses():
    rows = features.table_rows()
    used = {feature.id for feature in rows if feature.uses}
    # A few that must be found, one per kind of source: a Dockerfile, a page command, a bake file.
    assert {"run-mount-cache", "healthcheck-start-interval", "build-context", "bake-matrix"} <= used


def test_every_version_has_its_source():
    for feature in features.load():
        for column, cell in feature.cells.items():
            assert not cell.version or cell.version == "n/a" or cell.source.startswith("https://"), \
                (feature.id, column)


def test_an_unknown_flag_in_a_dockerfile_names_its_file_and_line(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:trixie-slim AS base\n\nCOPY --unknown-flag a b\n")
    with pytest.raises(FeatureError) as raised:
        features.check(features.load(), features.used([dockerfile]))
    message = str(raised.value)
    assert f"{dockerfile}:3: `COPY --unknown-flag`" in message, message
    assert "FLAGS" in message and "data/features.toml" in message, message


def test_a_feature_missing_from_the_table_says_what_to_add(tmp_path):
    table = tmp_path / "features.toml"
    table.write_text(rows_without("copy-link", "copy-chown"))
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:trixie-slim\nCOPY --link --chown=1000 a /a\n")
    with pytest.raises(FeatureError) as raised:
        features.check(features.load(table), features.used([dockerfile]))
    lines = str(raised.value).splitlines()
    assert lines[0].startswith(f"{dockerfile}:2: `COPY --link` is used, but no row"), lines
    assert 'add "COPY --link" to the detect list' in lines[0], lines
    assert lines[1].startswith(f"{dockerfile}:2: `COPY --chown`"), lines


def test_a_heredoc_body_is_not_read_as_instructions(tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:trixie-slim\nRUN <<EOF\nwget --unknown x\nEOF\nUSER 1\n")
    keys = [(use.key, use.line) for use in features.used([dockerfile])]
    assert keys == [("RUN <<", 2)], keys


def test_page_commands_and_inline_dockerfiles_are_read(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```console\n"
                    "$ printf 'FROM a\\nCOPY --link x y\\n' | docker build --output type=local,dest=out -\n"
                    "$ docker buildx bake --load 2>/dev/null\n```\n")
    keys = sorted((use.key, use.line) for use in features.used(pages=[page]))
    assert keys == [("COPY --link", 4), ("bake --load", 5), ("build --output=type=local", 4),
                    ("docker buildx bake", 5)], keys


@pytest.mark.parametrize(("row", "problem"), [
    ('id = "x"\nname = { en = "X" }\ndetect = ["COPY --link"]\n', 'needs name = { en = "...", ko = "..." }'),
    ('id = "x"\nname = { en = "X", ko = "X" }\n', 'needs detect = ["USAGE KEY", ...]'),
    ('id = "x"\nname = { en = "X", ko = "X" }\ndetect = ["COPY --link"]\ndockerfile = "1.4"\n',
     "dockerfile must be { version"),
    ('id = "x"\nname = { en = "X", ko = "X" }\ndetect = ["COPY --link"]\nengine = { version = "25.0" }\n',
     "engine = 25.0 needs the source that proves it"),
    ('id = "x"\nname = { en = "X", ko = "X" }\ndetect = ["COPY --link"]\nsource = "https://x"\n',
     "unknown field(s) source"),
])
def test_a_malformed_row_says_what_is_wrong(tmp_path, row, problem):
    table = tmp_path / "features.toml"
    table.write_text(f"[[feature]]\n{row}")
    with pytest.raises(FeatureError) as raised:
        features.load(table)
    message = str(raised.value)
    assert message.startswith("features.toml: [[feature]] #1 (x): "), message
    assert problem in message, message


def test_a_key_in_two_rows_is_refused(tmp_path):
    table = tmp_path / "features.toml"
    table.write_text(ROWS + '\n[[feature]]\nid = "again"\nname = { en = "X", ko = "X" }\n'
                            'detect = ["COPY --link"]\n')
    with pytest.raises(FeatureError, match="`COPY --link` is in the detect list of both copy-link and again"):
        features.load(table)


@pytest.mark.parametrize(("lang", "header", "unchecked"), [
    ("ko", "<th>Dockerfile 프런트엔드</th>", "확인 안 함"),
    ("en", "<th>Dockerfile frontend</th>", "not checked"),
])
def test_the_token_renders_the_table_in_the_page_language(lang, header, unchecked):
    md = markdown.Markdown(extensions=["tables", "harness.tokens"],
                           extension_configs={"harness.tokens": {"lang": lang}})
    html = md.convert("{{ table features }}\n")
    assert html.startswith("<table>") and header in html and unchecked in html, html[:300]
    assert '<a href="https://docs.docker.com/build/buildkit/dockerfile-release-notes/#140">1.4.0</a>' in html
    assert '<a href="secrets.md">' in html  # a page that uses a feature links to it
