"""Make sure every base image the examples name exists locally, under its official name.

For each image named in a FROM line under examples/: present, nothing to do; pullable, pull it;
otherwise build a stand-in with the recipe the official image uses (base-images/). Stand-ins
carry labels saying so, with their sources and checksums, so measurements can tell them apart.

    python -m harness.base_images            # ensure what examples/ needs
    python -m harness.base_images IMAGE ...  # ensure these
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from harness.dockerfiles import REPO, TEMP_PREFIX, example_dockerfiles, external_images

RECIPES_DIR = REPO / "base-images"
CERTS = Path("/usr/local/share/ca-certificates")
LABEL = "dev.multistage-guide.stand-in"


@dataclass(frozen=True)
class Recipe:
    context: str  # folder under base-images/
    target: str  # stage of its Dockerfile, or the variant for the rootfs script
    needs: tuple[str, ...] = field(default=())


RECIPES: dict[str, Recipe] = {
    "debian:trixie-slim": Recipe("debian", "slim"),
    "debian:trixie": Recipe("debian", "full"),
    "buildpack-deps:trixie-curl": Recipe("buildpack-deps", "curl", ("debian:trixie",)),
    "buildpack-deps:trixie-scm": Recipe("buildpack-deps", "scm", ("debian:trixie",)),
    "buildpack-deps:trixie": Recipe("buildpack-deps", "full", ("debian:trixie",)),
    "python:3.13-slim": Recipe("python", "slim", ("debian:trixie-slim",)),
    "python:3.13": Recipe("python", "full", ("debian:trixie-slim", "buildpack-deps:trixie")),
    "node:24-slim": Recipe("node", "slim", ("debian:trixie-slim",)),
    "node:24": Recipe("node", "full", ("debian:trixie-slim", "buildpack-deps:trixie")),
    "golang:1.27": Recipe("golang", "full", ("buildpack-deps:trixie-scm",)),
    "ghcr.io/astral-sh/uv:0.13.9": Recipe("uv", "image", ("debian:trixie-slim",)),
}


def log(message: str) -> None:
    print(f"base-images: {message}", file=sys.stderr, flush=True)


def run(*cmd: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kwargs)


def present(image: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0


def pull(image: str) -> bool:
    result = subprocess.run(["docker", "pull", "-q", image], capture_output=True, text=True)
    return result.returncode == 0


def needed_images() -> dict[str, Path]:
    """Every image examples/ builds FROM, with one Dockerfile that names it."""
    needed: dict[str, Path] = {}
    for dockerfile in example_dockerfiles():
        for image in sorted(external_images(dockerfile)):
            needed.setdefault(image, dockerfile)
    return needed


def ensure(image: str, named_in: Path | None = None, rebuild: bool = False) -> str:
    """Return how the image came to be here: 'present', 'pulled' or 'built'."""
    if not rebuild and present(image):
        return "present"
    if not rebuild and pull(image):
        log(f"{image}: pulled")
        return "pulled"
    recipe = RECIPES.get(image)
    if recipe is None:
        shown = named_in.relative_to(REPO) if named_in and named_in.is_relative_to(REPO) else named_in
        where = f" (named in {shown})" if named_in else ""
        raise SystemExit(
            f"base-images: {image}{where} is not here, cannot be pulled, "
            f"and base-images/ has no recipe for a stand-in"
        )
    for dependency in recipe.needs:
        ensure(dependency)
    log(f"{image}: no registry answers, building a stand-in from base-images/{recipe.context}")
    started = dt.datetime.now()
    if recipe.context == "debian":
        build_rootfs(image, recipe)
    else:
        build_dockerfile(image, recipe)
    log(f"{image}: built in {(dt.datetime.now() - started).total_seconds():.0f} s")
    return "built"


def common_labels(image: str, recipe: Recipe) -> dict[str, str]:
    name, _, tag = image.partition(":")
    return {
        "org.opencontainers.image.title": image,
        "org.opencontainers.image.description": f"Local stand-in for the official {image} image",
        "org.opencontainers.image.ref.name": tag,
        "org.opencontainers.image.created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "org.opencontainers.image.base.name": ", ".join(recipe.needs),
        "org.opencontainers.image.source": f"base-images/{recipe.context} (target {recipe.target})",
        "org.opencontainers.image.vendor": "multi-stage builds guide (not Docker Official Images)",
        LABEL: "true",
        f"{LABEL}.official-name": name,
    }


def pinned_sources(dockerfile: Path) -> str:
    """The `ADD --checksum=... URL` pairs of a recipe, for its label."""
    text = dockerfile.read_text().replace("\\\n", " ")
    pairs = re.findall(r"ADD\s+--checksum=(\S+)\s+(\S+)", text)
    if not pairs:  # a recipe of Debian packages only, such as buildpack-deps
        return f"Debian packages from http://deb.debian.org/debian as of {dt.date.today().isoformat()}"
    return " ".join(f"{url}#{checksum}" for checksum, url in pairs)


@contextlib.contextmanager
def certs_context():
    """A folder for `--build-context certs=...`: the local CA certificates (those of an HTTPS
    proxy, where one is in the way), and nothing else; empty where there are none."""
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as certs:
        for crt in sorted(CERTS.glob("*.crt")):
            Path(certs, crt.name).write_bytes(crt.read_bytes())
        yield certs


def build_dockerfile(image: str, recipe: Recipe) -> None:
    context = RECIPES_DIR / recipe.context
    labels = common_labels(image, recipe)
    labels[f"{LABEL}.sources"] = pinned_sources(context / "Dockerfile")
    labels[f"{LABEL}.extra-ca"] = "true" if any(CERTS.glob("*.crt")) else "false"
    with certs_context() as certs:
        cmd = ["docker", "buildx", "build", "--load", "--progress=plain",
               "--build-context", f"certs={certs}", "--target", recipe.target, "-t", image]
        for key, value in labels.items():
            cmd += ["--label", f"{key}={value}"]
        run(*cmd, str(context), stdout=sys.stderr)


def build_rootfs(image: str, recipe: Recipe) -> None:
    suite = image.split(":")[1].removesuffix("-slim")
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX, dir="/var/tmp") as tmp:
        tarball = Path(tmp, "rootfs.tar")
        ensure_mmdebstrap()
        run("bash", str(RECIPES_DIR / "debian" / "rootfs.sh"), suite, recipe.target, str(tarball))
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        labels = common_labels(image, recipe)
        labels[f"{LABEL}.sources"] = (
            f"mmdebstrap --variant=minbase {suite} http://deb.debian.org/debian "
            f"on {dt.date.today().isoformat()}; rootfs.tar#sha256:{digest}"
        )
        changes = ['CMD ["bash"]'] + [f'LABEL "{k}"="{v}"' for k, v in labels.items()]
        cmd = ["docker", "import"]
        for change in changes:
            cmd += ["--change", change]
        run(*cmd, str(tarball), image, stdout=subprocess.DEVNULL)


def ensure_mmdebstrap() -> None:
    # arch-test: mmdebstrap checks with it that another architecture's programs run (QEMU).
    if subprocess.run(["sh", "-c", "command -v mmdebstrap && command -v arch-test"],
                      capture_output=True).returncode == 0:
        return
    log("installing mmdebstrap and arch-test (Debian packages) to make the Debian rootfs")
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", "mmdebstrap", "arch-test",
        "debian-archive-keyring", stdout=subprocess.DEVNULL)


def provenance(image: str) -> str:
    """'stand-in' or 'official', read from the image's labels."""
    result = run("docker", "image", "inspect", "-f", f'{{{{index .Config.Labels "{LABEL}"}}}}',
                 image, capture_output=True, text=True)
    return "stand-in" if result.stdout.strip() == "true" else "official"


def main(argv: list[str]) -> int:
    rebuild = "--rebuild" in argv
    names = [a for a in argv if not a.startswith("--")]
    wanted = {name: None for name in names} if names else needed_images()
    for image, named_in in wanted.items():
        how = ensure(image, named_in, rebuild=rebuild)
        log(f"{image}: {how} ({provenance(image)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
