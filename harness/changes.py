"""The "what changed" page (docs/*/changes.md): the runs of data/history.json as tables.

    {{ table changes }}             the newest runs (RUNS_SHOWN), newest first: a heading with
                                    its date, a line with its engine, and a table of what moved
    {{ threshold size relative }}   what a size or a time must move by to be in the table:
                                    size or time, relative or absolute (1%, 0.1 MB, 10%, 0.5 s)

A run's table lists, in this order: the engine's versions, whatever moved; the images, examples,
base images and store sizes measured for the first time or no longer, by name; sizes and times
that moved by at least both of their thresholds; other values (layers, users ...) that moved.
What is left out is counted under the table.
"""

from __future__ import annotations

from harness import history

# What a size or a time must move by to be shown: both a share of its old value and an amount.
# A rule of the page, not a measurement: rebuilding an image moves its size by a few bytes, and
# build times move from run to run on the same machine (docs/*/cache.md#measured).
THRESHOLDS = {"size": (0.01, 100_000), "time": (0.10, 0.5)}  # (relative, absolute: bytes, s)
# The newest runs the page shows, so that it stays within tests/test_browser.py's weight budget
# as runs are added (a run with a new engine moves some fifty values).
RUNS_SHOWN = 12

WORDS = {
    "ko": {
        "columns": ("값", "이전", "이후", "변화"), "seconds": "{}초", "unknown": "알 수 없음",
        "store": "{} 이미지 저장소", "classic": "클래식", "containerd": "containerd",
        "new": "새로 측정한 {}", "gone": "더 측정하지 않는 {}",
        "sections": {"images": "이미지", "builds": "빌드 시간", "base_images": "베이스 이미지",
                     "stores": "이미지 저장소 크기"},
        "nothing": "기준을 넘은 변화가 없습니다.",
        "older": "그보다 앞선 실행 {}개는 `data/history.json`에 있습니다.",
        "hidden": "표에 없는 변화: {}. 모든 값은 `data/history.json`에 있습니다.",
        "below": "기준보다 작게 움직인 값 {}개", "added": "새로 기록한 값 {}개",
        "removed": "더 기록하지 않는 값 {}개",
        "engine": {"server": "Docker Engine", "api": "Engine API", "client": "Docker CLI",
                   "buildx": "buildx", "buildkit": "BuildKit", "builder_driver": "빌더 드라이버",
                   "image_store": "이미지 저장소", "storage_driver": "스토리지 드라이버",
                   "platform": "플랫폼"},
        "fields": {"size": "크기", "layers": "레이어 수", "packages": "패키지 수",
                   "programs": "PATH의 프로그램 수", "user": "사용자", "provenance": "출처",
                   "parts interpreter": "인터프리터와 표준 라이브러리", "parts dependencies": "의존성",
                   "parts libraries": "공유 라이브러리", "parts app": "앱 파일",
                   "parts other": "그 밖의 파일", "times_s cold": "콜드 빌드",
                   "times_s base-update": "베이스 이미지 갱신 빌드", "times_s warm": "웜 빌드",
                   "times_s edit": "수정 후 빌드", "cold_steps_s": "콜드 빌드 단계 시간의 합",
                   "targets": "타깃 수", "target": "측정한 타깃", "edited_file": "수정한 파일"},
        "base": "베이스 이미지 `{}` {}", "on store": "{store}의 `{image}` ({how})",
        "top": {"bake_all_warm_s": "모든 타깃의 웜 bake"},
    },
    "en": {
        "columns": ("Value", "Before", "After", "Change"), "seconds": "{} s", "unknown": "unknown",
        "store": "{} image store", "classic": "classic", "containerd": "containerd",
        "new": "{} measured for the first time", "gone": "{} no longer measured",
        "sections": {"images": "Images", "builds": "Build times", "base_images": "Base images",
                     "stores": "Image store sizes"},
        "nothing": "Nothing moved beyond the thresholds.",
        "older": "Older runs, {} of them, are in `data/history.json`.",
        "hidden": "Not in the table: {}. Every value is in `data/history.json`.",
        "below": "{} value{s} that moved less than the thresholds",
        "added": "{} value{s} recorded for the first time", "removed": "{} value{s} no longer recorded",
        "engine": {"server": "Docker Engine", "api": "Engine API", "client": "Docker CLI",
                   "buildx": "buildx", "buildkit": "BuildKit", "builder_driver": "builder driver",
                   "image_store": "image store", "storage_driver": "storage driver",
                   "platform": "platform"},
        "fields": {"size": "size", "layers": "layers", "packages": "packages",
                   "programs": "programs on PATH", "user": "user", "provenance": "origin",
                   "parts interpreter": "interpreter and standard library",
                   "parts dependencies": "dependencies", "parts libraries": "shared libraries",
                   "parts app": "app files", "parts other": "other files", "times_s cold": "cold build",
                   "times_s base-update": "base update build", "times_s warm": "warm build",
                   "times_s edit": "build after an edit", "cold_steps_s": "cold build, sum of its steps",
                   "targets": "targets", "target": "target measured", "edited_file": "file edited"},
        "base": "base image `{}` {}", "on store": "`{image}` on the {store} ({how})",
        "top": {"bake_all_warm_s": "warm bake of every target"},
    },
}
HOW = {"list": "`docker images`", "inspect": "`docker image inspect`"}
ORDER = ("version", "subjects", "size", "time", "other")  # the order of a run's rows


def table(lang: str, runs: list[dict] | None = None) -> str:
    """Every run, newest first, as the page shows it."""
    runs = history.load() if runs is None else runs
    if not runs:
        raise history.HistoryError("data/history.json holds no run: "
                                   "run `python -m harness.history --from-git`")
    sections, before = [], {}
    for run in runs:  # oldest first: each run is compared with the values before it
        after = history.advance(before, run)
        sections.append(section(run, before, after, lang))
        before = after
    newest = sections[::-1][:RUNS_SHOWN]
    older = len(sections) - len(newest)
    return "\n\n".join(newest + ([WORDS[lang]["older"].format(older)] if older else []))


def section(run: dict, before: dict, after: dict, lang: str) -> str:
    """One run: its heading, its engine, the table of what moved, and what the table leaves out."""
    w = WORDS[lang]
    rows, hidden = sorted_rows(run["moved"], before, after, lang)
    when = run["generated_at"]
    anchor = "run-" + "".join(ch for ch in when[:19] if ch.isdigit())
    parts = [f"### {when[:10]} {when[11:16]} UTC {{#{anchor}}}", engine_line(run["engine"], lang)]
    if rows:
        parts.append("\n".join([f"| {' | '.join(w['columns'])} |", "|---|--:|--:|--:|",
                                *(f"| {' | '.join(cells)} |" for cells in rows)]))
    else:
        parts.append(w["nothing"])
    counted = [w[key].format(count, s="" if count == 1 else "s")
               for key, count in hidden.items() if count]
    if counted:
        parts.append(w["hidden"].format(", ".join(counted)))
    return "\n\n".join(parts)


def sorted_rows(moved: dict, before: dict, after: dict, lang: str) -> tuple[list[list[str]], dict]:
    """The table's rows in ORDER, and how many values were left out, and why."""
    w = WORDS[lang]
    had, has = {subject(p) for p in before}, {subject(p) for p in after}
    first, last = has - had, had - has  # measured for the first time, no longer measured
    rows: dict[str, list[list[str]]] = {group: [] for group in ORDER}
    hidden = dict.fromkeys(("below", "added", "removed"), 0)
    named: dict[tuple[str, str], list[str]] = {}  # (new or gone, section): names
    # The engine's facts in the order harness.measure records them, then everything by path.
    for path in sorted(moved, key=lambda p: (kind(p) != "version", engine_order(p), p)):
        change, what, whose = moved[path], kind(path), subject(path)
        cells = [label(path, lang), value(path, change["old"], lang) if "old" in change else "—",
                 value(path, change["new"], lang) if "new" in change else "—"]
        if what == "version":
            rows["version"].append(cells + [""])
        elif " " in whose and whose in first | last:
            names = named.setdefault(("new" if whose in first else "gone", path.split(" ")[0]), [])
            if name(whose) not in names:
                names.append(name(whose))
        elif "old" in change and "new" in change:
            if beyond_threshold(path, change):
                rows[what].append(cells + [difference(path, change, lang)])
            else:
                hidden["below"] += 1
        elif " " not in path:  # a value of the file's own, such as the warm bake's time
            rows[what].append(cells + [""])
        else:  # a value an image or an example had not recorded before, or no longer records
            hidden["added" if "new" in change else "removed"] += 1
    for (side, key), names in named.items():
        title = w[side].format(w["sections"].get(key, key))
        listed = ", ".join(names)
        rows["subjects"].append([title, "", listed, ""] if side == "new" else [title, listed, "", ""])
    return [cells for group in ORDER for cells in rows[group]], hidden


def engine_line(engine: dict, lang: str) -> str:
    facts = [f"Docker Engine {engine['server']}", f"buildx {engine['buildx']}"]
    if "image_store" in engine:  # recorded since Engine 28 (older runs did not)
        store = engine["image_store"]
        facts.append(WORDS[lang]["store"].format(WORDS[lang].get(store, store)))
    if "platform" in engine:
        facts.append(engine["platform"])
    return ", ".join(facts)


# --- one value ------------------------------------------------------------------------------


def kind(path: str) -> str:
    """version, size, time or other: which of the page's rules a value follows."""
    keys = path.split(" ")
    if keys[0] == "engine":
        return "version"
    if keys[0] == "stores" or keys[-1] == "size" or "parts" in keys[:-1]:
        return "size"
    if keys[-1].endswith("_s") or "times_s" in keys:
        return "time"
    return "other"


def engine_order(path: str) -> int:
    """Where an engine fact comes in harness.measure's record (WORDS lists them in that order)."""
    keys = path.split(" ")
    facts = list(WORDS["en"]["engine"])
    return facts.index(keys[1]) if keys[0] == "engine" and keys[1] in facts else len(facts)


def subject(path: str) -> str:
    """What a value belongs to: an image, an example's builds, a base image, an image on a store."""
    keys = path.split(" ")
    return " ".join(keys[:3] if keys[0] == "stores" else keys[:2])


def name(whose: str) -> str:
    """A subject as the page lists it: `python-api:runner`, `go-static:multi` (containerd)."""
    keys = whose.split(" ")
    return f"`{keys[2]}` ({keys[1]})" if keys[0] == "stores" else f"`{keys[1]}`"


def numbers(change: dict) -> bool:
    return all(isinstance(v, (int, float)) for v in (change["old"], change["new"]))


def beyond_threshold(path: str, change: dict) -> bool:
    """Sizes and times are shown when they moved by at least both of their thresholds; anything
    else (versions, counts, users) whenever it moved."""
    if kind(path) not in THRESHOLDS or not numbers(change):
        return True
    relative, absolute = THRESHOLDS[kind(path)]
    delta = round(abs(change["new"] - change["old"]), 6)  # 0.7 - 0.2 is 0.49999999999999994
    return delta >= relative * abs(change["old"]) and delta >= absolute


def megabytes(size: float, sign: str = "") -> str:
    return f"{size / 10**6:{sign},.1f} MB"  # as harness.tokens writes sizes


def value(path: str, shown, lang: str) -> str:
    if shown is None:
        return WORDS[lang]["unknown"]
    if path == "engine image_store":
        return WORDS[lang].get(shown, shown)
    if isinstance(shown, (int, float)) and kind(path) == "size":
        return megabytes(shown)
    if isinstance(shown, (int, float)) and kind(path) == "time":
        return WORDS[lang]["seconds"].format(f"{shown:.1f}")
    return str(shown)


def difference(path: str, change: dict, lang: str) -> str:
    if not numbers(change):
        return ""
    old, new = change["old"], change["new"]
    share = f" ({(new - old) / old:+.1%})" if old else ""
    if kind(path) == "size":
        return megabytes(new - old, "+") + share
    if kind(path) == "time":
        return WORDS[lang]["seconds"].format(f"{new - old:+.1f}") + share
    return f"{new - old:+}"


def label(path: str, lang: str) -> str:
    """What a value is, in the page's words: `python-api:runner` 크기, Docker Engine, ..."""
    w, keys = WORDS[lang], path.split(" ")
    if keys[0] == "engine":
        return w["engine"].get(keys[1], keys[1])
    if keys[0] == "stores":
        store = w["store"].format(w.get(keys[1], keys[1]))
        return w["on store"].format(store=store, image=keys[2], how=HOW.get(keys[3], keys[3]))
    if len(keys) == 1:
        return w["top"].get(keys[0], f"`{keys[0]}`")
    field = " ".join(keys[2:])
    field = w["fields"].get(field, f"`{field}`")  # a key the page has no words for: as written
    return w["base"].format(keys[1], field) if keys[0] == "base_images" else f"`{keys[1]}` {field}"


def threshold(what: str, which: str, lang: str) -> str:
    """A threshold as the page states it (`{{ threshold size relative }}`): 1%, 0.1 MB, 0.5 s."""
    relative, absolute = THRESHOLDS[what]
    if which == "relative":
        return f"{relative:.0%}"
    if which == "absolute":
        return megabytes(absolute) if what == "size" else WORDS[lang]["seconds"].format(absolute)
    raise history.HistoryError(f"no threshold {which!r}: relative or absolute")
