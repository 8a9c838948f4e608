"""Claims a page makes about built images, written as HTML comments and checked by the suite.

    <!-- claim: size python-api:runner < 160MB -->
    <!-- claim: ratio python-api:single / python-api:runner >= 5 -->
    <!-- claim: user python-api:runner not root -->
    <!-- claim: absent python-api:runner gcc make /app/tests -->
    <!-- claim: present python-api:builder gcc -->
    <!-- claim: label python:3.13-slim dev.multistage-guide.stand-in=true -->
    <!-- claim: layers basic:runner <= 12 -->
    <!-- claim: packages python-api:runner <= 110 -->
    <!-- claim: history secrets:leaky contains s3cr3t -->
    <!-- claim: build examples/python-api target=runner skips test -->
    <!-- claim: build examples/python-api target=test runs builder test -->
    <!-- claim: readonly python-api:runner 8000 /health -->
    <!-- claim: readonly nextjs-standalone:runner 3000 /api/health tmpfs=/app/.next/cache -->
    <!-- claim: elf examples/go-static/out/arm64/server aarch64 static -->
    <!-- claim: contract python-api:runner-minimal python 8000 -->
    <!-- claim: closure python-api:runner-minimal x86-64 -->
    <!-- claim: user go-static:runner numeric -->
    <!-- claim: audit secrets:leaky dockerfile=examples/secrets/Dockerfile target=leaky finds ... -->

A word without a slash after absent/present is a program looked up on PATH; a word with one
is a path. Each check returns None when the claim holds, or the measured value that broke it.
`elf` reads the header of a file the page's commands wrote (a path from the repository root): its
CPU (x86-64, aarch64, ...) and, with `static`, that it asks for no program interpreter (no libc).
`closure` reads every ELF file of an image: built for CPU, and its interpreter and the libraries
it needs are in the image, for that CPU too (harness.elf).
`contract` checks the runtime contract of harness.contract: outbound TLS, a time zone, user
lookups and `docker stop` with a request in flight.
`audit` runs the audit command (harness.audit): `clean` wants no finding at warning or above,
`finds` exactly the findings named.
`readonly` starts the image as `docker run --read-only --cap-drop=ALL
--security-opt=no-new-privileges` (plus a tmpfs for each tmpfs=DIR) and wants HTTP 200 on PATH.
"""

from __future__ import annotations

import concurrent.futures
import operator
import re
import shlex
import struct
import time

import docker.errors

from harness import contract, elf, images, outcomes
from harness.dockerfiles import REPO

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
             "==": operator.eq}
UNITS = {"B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9}


class ClaimError(AssertionError):
    pass


def parse_bytes(text: str) -> int:
    match = re.fullmatch(r"([\d.]+)\s*(B|kB|KB|MB|GB)", text)
    if not match:
        raise ClaimError(f"not a size: {text!r} (write e.g. 160MB)")
    return int(float(match.group(1)) * UNITS[match.group(2)])


def megabytes(size: int) -> str:
    return f"{size / 10**6:.1f} MB"


def compare(measured: float, op: str, bound: float, shown: str) -> str | None:
    if op not in OPERATORS:
        raise ClaimError(f"unknown comparison {op!r}")
    return None if OPERATORS[op](measured, bound) else f"measured {shown}"


def check_size(image: str, op: str, bound: str) -> str | None:
    size = images.size(image)
    return compare(size, op, parse_bytes(bound), megabytes(size))


def check_ratio(first: str, slash: str, second: str, op: str, bound: str) -> str | None:
    if slash != "/":
        raise ClaimError("write: ratio IMAGE_A / IMAGE_B >= N")
    ratio = images.size(first) / images.size(second)
    return compare(ratio, op, float(bound), f"{ratio:.2f} ({megabytes(images.size(first))} / "
                   f"{megabytes(images.size(second))})")


def check_user(image: str, *expected: str) -> str | None:
    if expected == ("numeric",):  # from the image's config: works without a shell or `id`
        return numeric_user(image)
    code, output = images.run_output(image, "id", "-u", entrypoint="")
    uid = output.strip()
    if code != 0:
        return f"`id -u` failed: {output.strip()}"
    if expected == ("not", "root"):
        return None if uid != "0" else "runs as root (uid 0)"
    if len(expected) == 2 and expected[0] == "is":
        code, name = images.run_output(image, "id", "-un", entrypoint="")
        return None if name.strip() == expected[1] else f"runs as {name.strip()} (uid {uid})"
    raise ClaimError("write: user IMAGE not root | user IMAGE is NAME | user IMAGE numeric")


def numeric_user(image: str) -> str | None:
    """The runner policy's USER: a numeric UID that is not 0, which Kubernetes' runAsNonRoot can
    verify before it starts the container."""
    user = images.config_user(image)
    uid = images.numeric_uid(user)
    if uid is not None and uid != 0:
        return None
    return f"USER is {user or 'unset (root)'!r}, not a numeric non-root UID"


def check_absent(image: str, *things: str) -> str | None:
    found = images.present(image, things)
    return f"present: {', '.join(found)}" if found else None


def check_present(image: str, *things: str) -> str | None:
    found = images.present(image, things)
    missing = [t for t in things if t not in found]
    return f"absent: {', '.join(missing)}" if missing else None


def check_label(image: str, pair: str) -> str | None:
    key, _, value = pair.partition("=")
    labels = images.client().images.get(image).attrs["Config"].get("Labels") or {}
    actual = labels.get(key)
    return None if actual == value else f"label {key} is {actual!r}"


def check_layers(image: str, op: str, bound: str) -> str | None:
    count = len(images.client().images.get(image).attrs["RootFS"]["Layers"])
    return compare(count, op, int(bound), f"{count} layers")


def check_packages(image: str, op: str, bound: str) -> str | None:
    count = images.package_count(image)
    return compare(count, op, int(bound), f"{count} Debian packages")


def check_history(image: str, verb: str, *text: str) -> str | None:
    history = images.history_text(image)
    wanted = " ".join(text)
    if verb == "contains":
        return None if wanted in history else f"`docker history` does not show {wanted!r}"
    if verb == "lacks":
        return f"`docker history` shows {wanted!r}" if wanted in history else None
    raise ClaimError("write: history IMAGE contains|lacks TEXT")


def check_build(context: str, *words: str) -> str | None:
    """Which stages a build of `context` (optionally target=T) runs or skips."""
    target = None
    rest = list(words)
    if rest and rest[0].startswith("target="):
        target = rest.pop(0).split("=", 1)[1]
    if not rest or rest[0] not in ("runs", "skips"):
        raise ClaimError("write: build DIR [target=T] runs|skips STAGE...")
    verb, stages = rest[0], rest[1:]
    result = images.buildx(REPO / context, target=target, load=False)
    ran = images.stages_in_log(result.log)
    if verb == "runs":
        missing = [s for s in stages if s not in ran]
        return f"stages in the build: {sorted(ran)}; missing {missing}" if missing else None
    extra = [s for s in stages if s in ran]
    return f"stages in the build: {sorted(ran)}; ran {extra}" if extra else None


# What `docker run --read-only --cap-drop=ALL --security-opt=no-new-privileges` passes to the API.
HARDENED = images.HARDENED


def check_readonly(image: str, port: str, path: str, *mounts: str, then=None) -> str | None:
    """The runner policy: a numeric non-root USER, an application directory (WorkingDir) that
    user cannot write to, and HTTP 200 on PATH within 20 s under HARDENED with a tmpfs only on
    the directories named (tmpfs=DIR). `then(container, url)`, if given, is called on that
    container once PATH answered 200; without it, the answer depends only on what the image
    runs, and is checked once per run of the suite (harness.outcomes)."""
    if not port.isdigit() or not path.startswith("/") or \
            not all(m.startswith("tmpfs=/") for m in mounts):
        raise ClaimError("readonly takes a port number, a path that starts with / and tmpfs=/DIR words")
    if then is None:
        # Kept under the digest and checked on the ID of one inspect: the same image, even if
        # the tag moves meanwhile (contract._checked).
        image_id, same = images.identity(image)
        return outcomes.once(("readonly", same, port, path, *mounts),
                             lambda: _readonly(image_id, port, path, *mounts, name=image))
    return _readonly(image, port, path, *mounts, then=then)


def _readonly(image: str, port: str, path: str, *mounts: str, then=None,
              name: str | None = None) -> str | None:
    if problem := numeric_user(image):
        return problem
    config = images.client().images.get(image).attrs["Config"]
    uid = images.numeric_uid(config.get("User") or "")
    workdir = config.get("WorkingDir") or "/"
    probe = ('[ "$1" = / ] || find "$1" -xdev -writable -print 2>/dev/null | head -n 3; '
             'touch "$1/.readonly-probe" 2>/dev/null && echo "created $1/.readonly-probe"; true')
    if images.has_shell(image):
        code, output = images.run_output(image, "sh", "-c", probe, "probe", workdir, entrypoint="")
    else:  # FROM scratch: owners and modes from the image's files instead
        code, output = 0, images.changeable_by_user(image, workdir)
    if code != 0 or output.strip():
        return f"uid {uid} can write in {workdir}: {' '.join(output.split())}"
    tmpfs = {mount.split("=", 1)[1]: "" for mount in mounts}
    try:
        with images.running(image, int(port), name=name, tmpfs=tmpfs, **HARDENED) as (container, url):
            deadline = time.monotonic() + images.startup_seconds(image)
            while True:
                try:
                    status, _ = images.wait_http(url + path, timeout=1)
                    break
                except AssertionError:
                    container.reload()
                    if container.status == "exited" or time.monotonic() > deadline:
                        logs = container.logs().decode(errors="replace").strip()
                        return (f"no answer on {path} under --read-only (container "
                                f"{container.status}): {logs[-300:]}")
            if status == 200 and then:
                then(container, url)
    except images.ContainerExited as error:
        return f"exited at start under --read-only: {error}"
    return None if status == 200 else f"HTTP {status} on {path} under --read-only"



def contract_and_readonly(image: str, runtime: str, port: int,
                          path: str = "/health") -> tuple[dict, str | None]:
    """The runtime contract's points and the `readonly` answer, side by side, for an image that
    runs under QEMU, where starting the server is most of what a check costs (gunicorn and its
    workers import the app under emulation for most of a minute, on both cores). The server
    starts once: the drain point is checked in the read-only container, once it answered PATH,
    so it proves the drain under the settings production runs with (HARDENED: read-only root,
    no capabilities), and the other points run beside it."""
    drained: dict[str, str | None] = {}

    def drain(container, url: str) -> None:
        drained["drain"] = contract.drain_in_flight(container, url)

    others = tuple(point for point in contract.POINTS if point != "drain")
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        readonly = pool.submit(check_readonly, image, str(port), path, then=drain)
        points = contract.check_points(image, runtime, port, others)
        answer = readonly.result()
    points["drain"] = drained.get("drain", f"not checked: the read-only container did not answer ({answer})")
    return points, answer

# ELF e_machine values (the System V ABI's list) for the CPUs a reader builds for.
ELF_MACHINES = {"x86-64": 62, "aarch64": 183, "arm": 40, "i386": 3, "riscv": 243, "ppc64": 21, "s390": 22}
PT_INTERP = 3


def elf_header(data: bytes) -> tuple[str, bool]:
    """(CPU name, has a program interpreter) of a 64- or 32-bit little- or big-endian ELF file."""
    if data[:4] != b"\x7fELF":
        raise ValueError("not an ELF file")
    bits64, order = data[4] == 2, "<" if data[5] == 1 else ">"
    machine = struct.unpack_from(order + "H", data, 18)[0]
    if bits64:
        phoff, = struct.unpack_from(order + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(order + "I", data, 28)
        phentsize, phnum = struct.unpack_from(order + "HH", data, 42)
    types = [struct.unpack_from(order + "I", data, phoff + i * phentsize)[0] for i in range(phnum)]
    name = next((k for k, v in ELF_MACHINES.items() if v == machine), f"e_machine {machine}")
    return name, PT_INTERP in types


def check_elf(path: str, cpu: str, *static: str) -> str | None:
    if cpu not in ELF_MACHINES or static not in ((), ("static",)):
        raise ClaimError(f"the CPU is one of {', '.join(ELF_MACHINES)}; `static` is optional")
    file = REPO / path
    if not file.is_file():
        return f"no file {path} (write the path from the repository root, after the command that makes it)"
    try:
        machine, interpreted = elf_header(file.read_bytes())
    except (ValueError, struct.error):
        return f"{path} is not an ELF executable"
    if machine != cpu:
        return f"{path} is built for {machine}"
    if static and interpreted:
        return f"{path} is dynamically linked (it names a program interpreter)"
    return None


def check_closure(image: str, cpu: str) -> str | None:
    if cpu not in elf.MACHINES:
        raise ClaimError(f"the CPU is one of {', '.join(elf.MACHINES)}")
    found = elf.problems(image, cpu)
    return "; ".join(found[:5]) + (f" (and {len(found) - 5} more)" if len(found) > 5 else "") \
        if found else None


def check_audit(image: str, *words: str) -> str | None:
    """What the audit command (harness.audit) finds: `clean` (nothing at warning or above) or
    `finds ID ...` (exactly those ids, every level). dockerfile=PATH is from the repository root."""
    from harness import audit  # the audit imports this module

    options = dict(word.split("=", 1) for word in words if "=" in word)
    verdict = [word for word in words if "=" not in word]
    if not verdict or verdict[0] not in ("clean", "finds") or set(options) - {"dockerfile", "target"}:
        raise ClaimError("write: audit IMAGE [dockerfile=PATH] [target=NAME] clean|finds ID ...")
    dockerfile = REPO / options["dockerfile"] if "dockerfile" in options else None
    try:
        report = audit.audit(image, dockerfile, options.get("target"))
    except audit.BadInput as error:
        raise ClaimError(str(error)) from None
    if verdict[0] == "clean":
        found = report.ids("warning")
        return f"finds {' '.join(found)}" if found else None
    found = report.ids()
    return None if sorted(found) == sorted(verdict[1:]) else f"finds {' '.join(found) or 'nothing'}"


CHECKS = {
    "size": check_size, "ratio": check_ratio, "user": check_user, "absent": check_absent,
    "present": check_present, "label": check_label, "layers": check_layers,
    "packages": check_packages, "history": check_history, "build": check_build,
    "readonly": check_readonly, "elf": check_elf, "contract": contract.check,
    "closure": check_closure, "audit": check_audit,
}


USAGE = {
    "size": "size IMAGE < 160MB", "ratio": "ratio IMAGE_A / IMAGE_B >= 5",
    "user": "user IMAGE not root | user IMAGE is NAME | user IMAGE numeric",
    "absent": "absent IMAGE PROGRAM|/PATH ...",
    "present": "present IMAGE PROGRAM|/PATH ...", "label": "label IMAGE KEY=VALUE",
    "layers": "layers IMAGE <= 12", "packages": "packages IMAGE <= 110",
    "history": "history IMAGE contains|lacks TEXT", "build": "build DIR [target=T] runs|skips STAGE ...",
    "readonly": "readonly IMAGE PORT /PATH [tmpfs=/DIR ...]", "elf": "elf PATH CPU [static]",
    "contract": "contract IMAGE python|node|go PORT [fails=tls,zone,user,drain]",
    "closure": "closure IMAGE x86-64|aarch64",
    "audit": "audit IMAGE [dockerfile=PATH] [target=NAME] clean|finds ID ...",
}


def usage(kind: str) -> str:
    return f"write `{USAGE[kind]}`" if kind in USAGE else f"see harness/claims.py for `{kind}`"


def images_named(claim: str) -> list[str]:
    """The images a claim inspects (a build claim names a folder, not an image)."""
    words = shlex.split(claim)
    if not words or words[0] not in CHECKS:
        return []
    if words[0] in ("build", "elf"):
        return []
    if words[0] == "ratio":
        return [w for w in (words[1:2] + words[3:4]) if w]
    return words[1:2]


def check(claim: str) -> str | None:
    """Check one claim; return None when it holds, or what was measured instead."""
    words = shlex.split(claim)
    if not words or words[0] not in CHECKS:
        kind = words[0] if words else ""
        raise ClaimError(f"unknown claim kind `{kind}`; the kinds are: "
                         + "; ".join(f"`{USAGE.get(k, k)}`" for k in CHECKS))
    try:
        return CHECKS[words[0]](*words[1:])
    except docker.errors.ImageNotFound as error:
        return f"no image {error.explanation or error}".replace("No such image: ", "")
    except TypeError:
        raise ClaimError(f"wrong arguments for `{words[0]}`; {usage(words[0])}") from None
    except contract.ContractError as error:
        raise ClaimError(str(error)) from None
    except ClaimError as error:
        raise ClaimError(f"{error}; {usage(words[0])}") from None
