"""What a built image holds that its runtime should not, read from the image itself.

The programs and paths an image has come from harness.images.present, the function behind the
`absent` and `present` claims; the user from the image's config, as the `user ... numeric` claim
reads it. What is new here: devDependencies compared with package.json, Python build backends
and test tools, build arguments in the history that look like secrets, a Next.js standalone
server without its static files, and each layer with the Dockerfile step and stage that made it.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass

import docker.errors

from harness import images, outcomes, stagechecks
from harness.dockerfiles import Stage

# Compilers, make, and the C library's headers (libc6-dev, which build-essential brings).
BUILD_TOOLS = ("gcc", "cc", "c++", "g++", "clang", "make", "go", "rustc", "cargo", "javac", "pg_config",
               "/usr/include/stdio.h")
PACKAGE_MANAGERS = ("pip", "pip3", "uv", "poetry", "npm", "npx", "yarn", "pnpm", "corepack",
                    "apt-get", "apt", "dpkg", "apk", "dnf", "yum", "microdnf")
# The steps that install system packages (and with them compilers or package managers).
SYSTEM_INSTALLS = ("apt-get install", "apt install", "apk add", "dnf install", "yum install",
                   "microdnf install")
# Distributions that build or test a Python package and never run it (names as PyPI normalises them).
PYTHON_TOOLS = frozenset({
    "setuptools", "wheel", "hatchling", "flit-core", "poetry-core", "pdm-backend", "maturin",
    "scikit-build-core", "meson-python", "cython", "build", "pip-tools",
    "pytest", "pytest-cov", "coverage", "hypothesis", "tox", "nox", "mypy", "ruff", "black",
    "flake8", "pylint", "isort",
})
# The words BuildKit's SecretsUsedInArgOrEnv looks for in a name, split at _ and -.
SECRET_WORDS = frozenset({"token", "secret", "password", "passwd", "pwd", "pass", "apikey", "auth",
                          "credential", "credentials", "key", "private"})
FIND_DISTRIBUTIONS = "find / -xdev -type d -name '*.dist-info' 2>/dev/null; true"  # images.probe


def workdir(tag: str) -> str:
    return images.client().images.get(tag).attrs["Config"].get("WorkingDir") or "/"


def dev_dependencies(tag: str) -> list[str]:
    """The node_modules folders of the devDependencies that the package.json in the image's
    working directory lists and its node_modules holds."""
    folder = workdir(tag)
    manifest = images.read_file(tag, posixpath.join(folder, "package.json"))
    try:
        names = json.loads(manifest or b"{}").get("devDependencies") or {}
    except ValueError:
        return []
    wanted = [posixpath.join(folder, "node_modules", name, "package.json") for name in sorted(names)]
    return [posixpath.dirname(path) for path in images.present(tag, wanted)]


def distributions(tag: str) -> list[str]:
    """Every installed Python distribution's .dist-info folder; once per run for images that
    run the same, as images.present."""
    image, same = images.identity(tag)
    return list(outcomes.once(("distributions", same), lambda: _distributions(image)))


def _distributions(image_id: str) -> list[str]:
    if not images.has_shell(image_id):
        return sorted(p for p in images.files(image_id) if p.endswith(".dist-info"))
    output = images.probe(image_id, FIND_DISTRIBUTIONS)
    return sorted(line for line in output.splitlines() if line.endswith(".dist-info"))


def project_name(dist_info: str) -> str:
    """`.../pytest_cov-6.0.0.dist-info` -> `pytest-cov`."""
    stem = posixpath.basename(dist_info).removesuffix(".dist-info").rsplit("-", 1)[0]
    return re.sub(r"[-_.]+", "-", stem).lower()


def python_dev_tools(tag: str) -> list[str]:
    return [path for path in distributions(tag) if project_name(path) in PYTHON_TOOLS]


def looks_secret(name: str) -> bool:
    words = set(re.split(r"[_\-]+", name.lower()))
    return bool(words & SECRET_WORDS) and "public" not in words


@dataclass(frozen=True)
class Leak:
    layer: int  # the history entry, 1 for the oldest
    name: str
    shown: str  # the history line with the value masked


def assignments(created_by: str) -> list[tuple[str, str]]:
    """NAME=value pairs a history line records: `ARG A=1`, `ENV A=1 B=2`, and the build arguments
    BuildKit writes before a RUN's command (`RUN |2 A=1 B=2 /bin/sh -c ...`)."""
    words = created_by.split()
    if not words:
        return []
    if words[0] == "RUN" and len(words) > 1 and words[1].startswith("|") and words[1][1:].isdigit():
        pairs = words[2:2 + int(words[1][1:])]
    elif words[0] in ("ARG", "ENV"):
        pairs = words[1:]
    else:
        return []
    return [tuple(pair.split("=", 1)) for pair in pairs if "=" in pair]


def secrets_in(line: str) -> list[tuple[str, str]]:
    """The NAME=value pairs of a history line whose name looks like a secret and whose value is set."""
    return [(name, value) for name, value in assignments(line) if value and looks_secret(name)]


def masked(line: str) -> str:
    """A history line with the value of every secret-looking name replaced by its length: the
    report names the leak without repeating it."""
    for name, value in secrets_in(line):
        line = line.replace(f"{name}={value}", f"{name}=<{len(value)} characters>")
    return line


def secret_build_args(tag: str) -> list[Leak]:
    """History lines that record a value for a name that looks like a secret."""
    return [Leak(number, name, masked(entry["CreatedBy"]))
            for number, entry in enumerate(images.history(tag), 1)
            for name, _ in secrets_in(entry["CreatedBy"])]


def next_static_missing(tag: str) -> str | None:
    """A Next.js standalone server (server.js beside .next/required-server-files.json) without
    .next/static, where its CSS and JavaScript chunks live."""
    folder = workdir(tag)
    server, marker, static = (posixpath.join(folder, p) for p in
                              ("server.js", ".next/required-server-files.json", ".next/static"))
    found = images.present(tag, [server, marker, static])
    return f"{server} is a Next.js standalone server and {static} is missing" \
        if server in found and marker in found and static not in found else None


def writable_app_files(tag: str) -> list[str]:
    """What under the working directory the runtime user could change (images.changeable_by_user,
    the policy every runner test holds); nothing to say for root, or with no working directory."""
    user, folder = images.config_user(tag), workdir(tag)
    if images.runs_as_root(user) or folder == "/":
        return []
    if images.numeric_uid(user) is None and not images.has_shell(tag):
        return []  # a named user in an image without a shell: no way to ask who it is
    return images.changeable_by_user(tag, folder).splitlines()


@dataclass
class Layer:
    number: int  # 1 for the oldest, as the history lists them from the bottom
    size: int
    created_by: str  # as the history records it, secret-looking values masked
    line: int | None = None  # the Dockerfile step that made it
    stage: str | None = None
    source: str | None = None  # the stage or image a COPY --from took it from
    base: str | None = None  # the base image that made it


def layers(tag: str, stages: list[Stage] | None = None,
           target: Stage | None = None) -> tuple[list[Layer], bool]:
    """Every history entry of the image; with the Dockerfile, each matched to the step that made
    it (or to the base image). The second value says whether the history matched the target."""
    found = [Layer(n, e["Size"], masked(e["CreatedBy"])) for n, e in enumerate(images.history(tag), 1)]
    return found, bool(stages and target and attribute(found, stages, target))


def attribute(found: list[Layer], stages: list[Stage], target: Stage) -> bool:
    """BuildKit writes one history entry per instruction after FROM, in order, on top of the
    base image's entries: match them, or leave the layers unmatched when the image was not
    built from this target."""
    chain = stagechecks.chain(stages, target)
    base = chain[0].base
    try:
        inherited = 0 if base == "scratch" else len(images.history(base))
    except docker.errors.ImageNotFound:  # the base image is not on this engine: nothing to count with
        return False
    steps = [(stage, ins) for stage in chain for ins in stage.instructions]
    own = found[inherited:]
    if len(own) != len(steps) or any(layer.created_by.split(" ", 1)[0] != ins.keyword
                                     for layer, (_, ins) in zip(own, steps, strict=True)):
        return False
    for layer in found[:inherited]:
        layer.base = base
    for layer, (stage, ins) in zip(own, steps, strict=True):
        layer.line, layer.stage = ins.line, stage.ref
        layer.source = next(iter(stagechecks.refs_of(ins)), None)
    return True


def layer_mentioning(found: list[Layer], *words: str) -> Layer | None:
    """The newest layer the Dockerfile made whose step mentions one of `words`."""
    return next((layer for layer in reversed(found) if layer.base is None
                 and any(word in layer.created_by for word in words)), None)
