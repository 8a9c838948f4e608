"""harness.elf and the `closure` claim: every ELF file of an image, its interpreter and the
libraries it needs are in the image, for the CPU asked for. The minimal runtimes copy their
libraries with an `ldd` filter; that filter must keep the program loader on every CPU."""

from __future__ import annotations

import re
import subprocess

import pytest

from harness import claims, elf, images
from harness.dockerfiles import EXAMPLES, REPO

TAG = "guide/closure-fixture:broken"
# What `ldd` prints on arm64 (Debian trixie): the loader is named by its path alone, not /lib64.
LDD_ARM64 = ("\tlinux-vdso.so.1 (0x0000ffff8a5e0000)\n"
             "\tlibc.so.6 => /lib/aarch64-linux-gnu/libc.so.6 (0x0000ffff8a3f0000)\n"
             "\t/lib/ld-linux-aarch64.so.1 (0x0000ffff8a5a3000)\n")
# The filter the minimal runtimes had before: it kept a loader only under /lib64 (amd64's path).
OLD_FILTER = r"/=> \// { print $3 } /^\t\/lib64/ { print $1 }"


@pytest.fixture(scope="module")
def broken() -> str:
    images.buildx(REPO / "tests" / "fixtures" / "closure", tag=TAG)
    return TAG


def test_a_program_without_its_loader_and_libraries_is_caught(broken):
    found = elf.problems(broken, "x86-64")
    assert "/ls: its program interpreter /lib64/ld-linux-x86-64.so.2 is not in the image" in found
    assert "/ls: needs libc.so.6, which is not in the image" in found


def test_a_program_for_another_cpu_is_caught(broken):
    assert elf.problems(broken, "aarch64") == ["/ls: built for EM_X86_64, not aarch64"]
    assert claims.check(f"closure {TAG} aarch64") == "/ls: built for EM_X86_64, not aarch64"


def test_a_malformed_closure_claim_says_what_to_write():
    with pytest.raises(claims.ClaimError, match="the CPU is one of x86-64, aarch64"):
        claims.check(f"closure {TAG} sparc")


def awk_filter(dockerfile: str) -> str:
    """The awk program of the `ldd ... | awk '...'` line of an example's rootfs stage."""
    text = (EXAMPLES / dockerfile).read_text()
    return re.search(r"\| awk '([^']+)'", text).group(1)


def kept(program: str) -> list[str]:
    return subprocess.run(["awk", program], input=LDD_ARM64, capture_output=True, text=True,
                          check=True).stdout.split()


@pytest.mark.parametrize("dockerfile", ["python-api/Dockerfile", "node-app/Dockerfile"])
def test_the_ldd_filter_keeps_the_arm64_loader(dockerfile):
    assert kept(awk_filter(dockerfile)) == ["/lib/aarch64-linux-gnu/libc.so.6", "/lib/ld-linux-aarch64.so.1"]


def test_the_old_filter_dropped_it():
    assert kept(OLD_FILTER) == ["/lib/aarch64-linux-gnu/libc.so.6"]
