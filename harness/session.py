"""What a test session needs around it: an engine that answers, and no litter left behind."""

from __future__ import annotations

import subprocess

import pytest


def require_engine() -> None:
    """Stop the whole run, loudly, when no Docker engine answers: nothing here is verifiable."""
    result = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.exit("no Docker engine answers `docker info`; run `bash scripts/ensure-docker.sh` "
                    f"or start Docker.\n{result.stderr.strip()}", returncode=3)


def dangling_images() -> set[str]:
    result = subprocess.run(["docker", "images", "-q", "--no-trunc", "-f", "dangling=true"],
                            capture_output=True, text=True)
    return set(result.stdout.split())


def remove_new_dangling(before: set[str]) -> None:
    """Rebuilding a tag leaves its old image dangling: remove those this run made, no others."""
    added = dangling_images() - before
    if added:
        subprocess.run(["docker", "rmi", *added], capture_output=True)
