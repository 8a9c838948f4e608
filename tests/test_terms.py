"""The Korean terms of data/terms.toml hold in every Korean page, the glossary and the Korean
READMEs (harness/terms.py); each example README links to its other-language README and to its
page on the site.

Each check is proved able to fail first, on tests/fixtures/terms/."""

from __future__ import annotations

import re

import pytest

from harness import prose, terms
from harness.dockerfiles import REPO

FIXTURES = REPO / "tests" / "fixtures" / "terms"
TABLE = terms.load()


def name(path) -> str:
    return str(path.relative_to(REPO))


# --- the table ----------------------------------------------------------------------------


def test_the_table_is_well_formed():
    uses = [term.use for term in TABLE.terms]
    assert len(uses) == len(set(uses)), "a term is listed twice"
    variants = [word for term in TABLE.terms for word in term.avoid]
    assert len(variants) == len(set(variants)), "a variant is listed under two terms"
    for term in TABLE.terms:
        assert term.avoid or term.avoid_re or term.note, f"{term.use}: nothing to avoid and no note"
        for pattern in term.patterns():
            assert not pattern.search(term.use), f"{term.use}: its own variant {pattern.pattern!r} matches it"


def test_contributing_points_to_the_table():
    text = (REPO / "CONTRIBUTING.md").read_text()
    section = text.split("## Korean style and terms", 1)[1]
    assert "data/terms.toml" in section
    assert "| Use | Not |" not in section, "the term table is written twice: keep it in data/terms.toml"


# --- the check can fail -------------------------------------------------------------------

# Each line of the fixture holds one kind of mistake: (line, what the finding names).
FORBIDDEN = [
    (5, "'멀티 스테이지'"), (6, "'buildx 빌더'"), (7, "'한 스테이지로 빌드'"), (8, "'라벨'"),
    (9, "'운영용'"), (10, "'인수'"), (11, "'지원 중단 예정'"), (12, "'Engine 23'"),
    (13, "'파일시스템'"), (14, "'이미지 기록'"), (15, "'듣기'"), (16, "}} 작'"),
    (17, "a space between bold and its particle"), (18, "a -세요 ending"), (19, "'시드'"),
    (20, "a space between inline code and its particle"), (21, "'수명 종료'"),
    (22, "'프로그램 인터프리터'"), (23, "'빌드 체크'"),
]


@pytest.fixture(scope="module")
def forbidden():
    return terms.check((FIXTURES / "forbidden.md").read_text(), TABLE)


@pytest.mark.parametrize(("line", "named"), FORBIDDEN, ids=[str(line) for line, _ in FORBIDDEN])
def test_each_kind_of_mistake_is_caught(forbidden, line, named):
    hits = [reason for number, _, reason in forbidden if number == line]
    assert len(hits) == 1 and named in hits[0], (line, hits)
    if "': write" in hits[0]:
        assert re.search(r"write '[^']+'", hits[0]), "a finding names the term to write"


def test_nothing_else_is_caught_on_the_fixture(forbidden):
    assert sorted({line for line, _, _ in forbidden}) == [line for line, _ in FORBIDDEN], forbidden


def test_the_report_names_file_line_variant_and_term(forbidden):
    message = prose.report({"tests/fixtures/terms/forbidden.md": forbidden})
    assert "tests/fixtures/terms/forbidden.md:8: '라벨': write '레이블' (label)" in message, message


def test_code_comments_links_quotations_and_mentions_are_left_alone():
    found = terms.check((FIXTURES / "allowed.md").read_text(), TABLE)
    assert found == [], prose.report({"tests/fixtures/terms/allowed.md": found})


def test_an_allowed_seyo_ending_is_not_reported():
    table = terms.Table(terms=TABLE.terms, bold_particle=TABLE.bold_particle, seyo=TABLE.seyo,
                        seyo_allow=["참고하세요"])
    found = terms.check("자세한 내용은 공식 문서를 참고하세요. 버전을 고정하세요.\n", table)
    assert [reason.split(":")[0] for _, _, reason in found] == ["'고정하세요'"], found


# --- the source text's name ------------------------------------------------------------------
# The article the guide started from is "the original article" / 원문, introduced once on the
# home page. "seed" (시드 in Korean) is what its authors called it; a reader does not know it.
SEED = re.compile(r"seed|시드", re.IGNORECASE)


def seed_lines(text: str) -> list[int]:
    """Lines naming the source text "seed" anywhere: prose, code, anchors, stage names."""
    return [number for number, line in enumerate(text.splitlines(), 1) if SEED.search(line)]


def test_a_page_calling_the_source_text_the_seed_is_caught():
    text = "# Node\n\n## The original runtime {#runner-seed}\n\n원문 대신 시드라고 부르면\n"
    assert seed_lines(text) == [3, 5]


READER_FILES = sorted([*REPO.glob("docs/*/*.md"), *REPO.glob("examples/*/README*.md"),
                       *REPO.glob("exercises/*/README*.md"), REPO / "README.md"])


@pytest.mark.parametrize("path", READER_FILES, ids=name)
def test_no_page_or_readme_calls_the_source_text_the_seed(path):
    assert seed_lines(path.read_text()) == [], f"{name(path)}: say 'the original article' (원문)"


# --- the site -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", terms.korean_files(), ids=name)
def test_the_korean_prose_uses_the_terms(path):
    found = terms.check(path.read_text(), TABLE)
    assert not found, "\n" + prose.report({name(path): found})


def test_the_glossary_gives_each_term_its_english_original():
    for line in (REPO / "docs" / "ko" / "glossary.md").read_text().splitlines():
        if line.startswith("## "):
            title = line[3:].split(" {#")[0]
            assert title.isascii() or re.search(r"\([ -~]+\)$", title), f"no English original: {line}"


# --- README links (both languages) --------------------------------------------------------

# Each example and the page of the site that treats it.
PAGES = {
    "arg-scope": "arg-scope", "basic": "basics", "dockerignore": "dockerignore",
    "go-static": "go-static", "nextjs-standalone": "copy-optimization", "node-app": "node",
    "python-api": "python", "python-uv": "python-uv", "secrets": "secrets",
    "shared-stages": "shared-stages", "troubleshooting": "troubleshooting",
    "copy-flags": "copy-flags", "lint": "lint", "debugging": "debugging",
}
LINK = re.compile(r"\]\(([^)\s]+)\)")


def missing_links(text: str, lang: str, page: str) -> list[str]:
    """The links a README of this language must hold and does not."""
    other = "README.en.md" if lang == "ko" else "README.md"
    wanted = [other, f"../../docs/{lang}/{page}.md"]
    targets = {target.split("#")[0] for target in LINK.findall(text)}
    return [link for link in wanted if link not in targets]


def test_every_example_is_mapped_to_a_page():
    examples = sorted(path.parent.name for path in REPO.glob("examples/*/README.md"))
    assert examples == sorted(PAGES)
    for page in PAGES.values():
        for lang in ("ko", "en"):
            assert (REPO / "docs" / lang / f"{page}.md").exists()


def test_a_readme_without_its_links_is_caught():
    assert missing_links("# x\n\n[English](README.en.md)\n", "ko", "python") == ["../../docs/ko/python.md"]
    english = "# x\n\nSee [Python](../../docs/en/python.md#versions).\n"
    assert missing_links(english, "en", "python") == ["README.md"]
    assert missing_links("`README.en.md` and docs/ko/python.md in code\n", "ko", "python") == [
        "README.en.md", "../../docs/ko/python.md"]


@pytest.mark.parametrize("example", sorted(PAGES))
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_a_readme_links_its_other_language_and_its_page(example, lang):
    path = REPO / "examples" / example / ("README.md" if lang == "ko" else "README.en.md")
    missing = missing_links(path.read_text(), lang, PAGES[example])
    assert not missing, f"{name(path)}: no link to {', '.join(missing)}"
