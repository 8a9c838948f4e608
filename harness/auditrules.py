"""What the audit can find: each finding's id, level, the page of the guide that explains it, and
one sentence on why it matters, in Korean and in English.

Levels, from the least: `info` is what the guide's own runners keep on purpose and a reader may
want to drop (the package managers of an official base image, a test stage a target skips);
`warning` is what the guide's runners never have; `error` breaks the image or leaks a secret.
tests/test_audit.py checks that every page and anchor named here exists in both languages, and
that docs/*/audit.md lists every finding.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("info", "warning", "error")


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    page: str  # PAGE.md#anchor, the same in docs/ko and docs/en
    why: dict[str, str]  # one sentence per language

    def page_in(self, lang: str) -> str:
        return f"docs/{lang}/{self.page}"


RULES = {rule.id: rule for rule in [
    # --- the image ---
    Rule("root-user", "error", "copy-optimization.md#runtime-user", {
        "en": "A process that runs as root can change every file of the image, and Kubernetes' "
              "runAsNonRoot refuses to start it.",
        "ko": "root로 실행되는 프로세스는 이미지의 모든 파일을 바꿀 수 있고, Kubernetes의 runAsNonRoot는 "
              "이런 컨테이너를 시작하지 않습니다."}),
    Rule("named-user", "warning", "copy-optimization.md#runtime-user", {
        "en": "Kubernetes' runAsNonRoot can verify only a numeric USER, so it refuses an image that names "
              "its user.",
        "ko": "Kubernetes의 runAsNonRoot는 숫자로 적은 USER만 확인할 수 있으므로, 사용자를 이름으로 적은 "
              "이미지는 시작하지 않습니다."}),
    Rule("build-tools", "warning", "benefits.md#build-tools", {
        "en": "Compilers and headers serve only the build: in the runtime image they add size and hand "
              "an attacker a toolchain.",
        "ko": "컴파일러와 헤더는 빌드에만 쓰이므로, 런타임 이미지에 남으면 크기만 늘리고 공격자에게 "
              "도구를 줍니다."}),
    Rule("package-managers", "info", "benefits.md#attack-surface", {
        "en": "Anyone who gets a shell in the container can install more with them; they usually come "
              "with the base image, and only a smaller base leaves them out.",
        "ko": "컨테이너에서 셸을 얻은 누구나 패키지 관리자로 프로그램을 더 설치할 수 있으며, 대개 베이스 "
              "이미지에 들어 있어 더 작은 베이스를 써야 빠집니다."}),
    Rule("dev-dependencies", "warning", "dev-dependencies.md#prod-deps", {
        "en": "devDependencies (compilers, test runners, type definitions) never run in production, "
              "yet ship with every copy of the image.",
        "ko": "devDependencies(컴파일러, 테스트 러너, 타입 정의)는 프로덕션에서 실행되지 않는데도 이미지와 "
              "함께 배포됩니다."}),
    Rule("python-dev-tools", "warning", "dev-prod.md#targets", {
        "en": "Build backends and test tools are needed to build and test a package, not to run it.",
        "ko": "빌드 백엔드와 테스트 도구는 패키지를 빌드하고 테스트할 때만 필요하고, 실행할 때는 필요하지 "
              "않습니다."}),
    Rule("secret-in-history", "error", "secrets.md#leaky", {
        "en": "Anyone who has the image reads the value with docker history; pass a secret with "
              "RUN --mount=type=secret instead.",
        "ko": "이미지를 가진 사람은 누구나 docker history로 이 값을 읽을 수 있으므로, 비밀 값은 "
              "RUN --mount=type=secret으로 넘겨야 합니다."}),
    Rule("app-files-writable", "warning", "copy-optimization.md#runtime-user", {
        "en": "What the runtime user can change, an attacker who takes over the process can change too.",
        "ko": "런타임 사용자가 바꿀 수 있는 파일은 프로세스를 장악한 공격자도 바꿀 수 있습니다."}),
    Rule("next-static-missing", "error", "copy-optimization.md#broken", {
        "en": "The standalone output leaves .next/static out, so the pages load without their CSS and "
              "JavaScript (404).",
        "ko": "standalone 출력에는 .next/static이 없으므로, 따로 복사하지 않으면 페이지의 CSS와 JavaScript가 "
              "404로 응답합니다."}),
    Rule("readonly", "warning", "copy-optimization.md#runtime-user", {
        "en": "Started as a hardened runtime starts it (read-only root file system, no capabilities), "
              "the image does not answer its health check.",
        "ko": "읽기 전용 루트 파일 시스템과 권한 없이 시작하면 이 이미지는 헬스 체크에 응답하지 않습니다."}),
    # --- the Dockerfile ---
    Rule("build-check", "warning", "audit.md#dockerfile", {
        "en": "BuildKit's own build check flags this line; the rule's documentation on docs.docker.com "
              "says why.",
        "ko": "BuildKit의 빌드 검사가 이 줄을 지적하며, 이유는 docs.docker.com에 있는 규칙 문서에 "
              "있습니다."}),
    Rule("unnamed-stage", "warning", "stage-names.md#names-not-numbers", {
        "en": "A stage without a name is reached only by its index, which changes when a stage is added "
              "above it.",
        "ko": "이름 없는 스테이지는 번호로만 가리킬 수 있고, 그 번호는 위에 스테이지를 추가하면 바뀝니다."}),
    Rule("copy-from-index", "warning", "stage-names.md#names-not-numbers", {
        "en": "COPY --from=<index> copies from another stage, without a word, once a stage is added "
              "or moved above it.",
        "ko": "COPY --from=<번호>는 위에 스테이지가 추가되거나 옮겨지면 아무 경고 없이 다른 스테이지에서 "
              "복사합니다."}),
    Rule("unreachable-stage", "warning", "targets.md#what-buildkit-builds", {
        "en": "No build runs an unnamed stage that no later stage uses: --target needs a name.",
        "ko": "뒤의 스테이지가 쓰지 않는 이름 없는 스테이지는 --target으로 고를 수도 없어 어떤 빌드도 "
              "실행하지 않습니다."}),
    Rule("test-stage-skipped", "info", "test-stage.md#skipped", {
        "en": "BuildKit builds only the stages the target needs, so this build never runs the tests: "
              "build the test target in CI as well.",
        "ko": "BuildKit은 타깃에 필요한 스테이지만 빌드하므로 이 빌드는 테스트를 실행하지 않으며, CI에서 "
              "테스트 타깃도 빌드해야 합니다."}),
    Rule("arg-out-of-scope", "warning", "arg-scope.md#global-and-stage", {
        "en": "A global ARG is in scope in FROM lines only; in a stage that does not declare it again, "
              "it expands to an empty string.",
        "ko": "전역 ARG는 FROM 줄에서만 쓸 수 있고, 다시 선언하지 않은 스테이지에서는 빈 문자열로 "
              "바뀝니다."}),
    Rule("unpinned-base", "warning", "python-uv.md#image-as-stage", {
        "en": "Without a version tag the image changes under the build from one day to the next; pin a "
              "tag, or a digest.",
        "ko": "버전 태그가 없는 이미지는 빌드할 때마다 달라질 수 있으므로, 태그나 다이제스트로 고정해야 "
              "합니다."}),
]}


# The words of the report, per language.
WORDS = {
    "en": {
        "level": "Level", "finding": "Finding", "details": "Evidence, why, where to read",
        "layers": "Layers (history entries, the oldest first)", "layer": "#", "size": "Size",
        "stage": "Stage", "line": "Line", "step": "Step",
        "base": "base image {}", "from": " (from {})", "read": "Read: {}",
        "no_findings": "{image}: no findings.",
        "summary": "{image}: {counts}.",
        # (one, more than one)
        "counts": {"error": ("{} error", "{} errors"), "warning": ("{} warning", "{} warnings"),
                   "info": ("{} info", "{} info")},
        "fails": "Fails at --fail-on {}.", "passes": "Passes at --fail-on {}.",
        "ignored": "Turned off by a `# multistage-audit ignore=` comment: {}.",
        "unmatched": "The image's history does not match {where}: layers are shown without stages.",
        "no_dockerfile": "No --dockerfile: the image alone was audited.",
    },
    "ko": {
        "level": "수준", "finding": "검사 항목", "details": "근거, 이유, 읽을 페이지",
        "layers": "레이어(이미지 히스토리, 오래된 것부터)", "layer": "#", "size": "크기",
        "stage": "스테이지", "line": "줄", "step": "단계",
        "base": "베이스 이미지 {}", "from": " ({}에서 복사)", "read": "읽을 페이지: {}",
        "no_findings": "{image}: 발견된 문제가 없습니다.",
        "summary": "{image}: {counts}.",
        "counts": {"error": ("error {}개",) * 2, "warning": ("warning {}개",) * 2,
                   "info": ("info {}개",) * 2},
        "fails": "--fail-on {} 기준으로 실패합니다.", "passes": "--fail-on {} 기준으로 통과합니다.",
        "ignored": "`# multistage-audit ignore=` 주석으로 끈 항목: {}.",
        "unmatched": "이미지 히스토리가 {where}와 맞지 않아 레이어를 스테이지 없이 보여 줍니다.",
        "no_dockerfile": "--dockerfile이 없어 이미지만 검사했습니다.",
    },
}
