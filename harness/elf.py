"""Whether an image's programs can start where it runs: for every ELF file in the image's root
filesystem, it is built for the CPU asked for, and the program interpreter it names and every
library it needs (DT_NEEDED) are in the image, built for that CPU too.

Libraries are looked up as the dynamic loader looks them up without an ld.so.cache: the file's
DT_RPATH (when it has no DT_RUNPATH) and DT_RUNPATH, with $ORIGIN, then the image's
LD_LIBRARY_PATH, then the loader's default folders. A library found nowhere is what makes a
program fail with `exec /x: no such file or directory` or `error while loading shared libraries`.
"""

from __future__ import annotations

import functools
import io
import posixpath
import tarfile

from elftools.common.exceptions import ELFError
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from harness import images

# pyelftools' names for the CPUs a reader builds for (the `elf` claim's names).
MACHINES = {"x86-64": "EM_X86_64", "aarch64": "EM_AARCH64", "arm": "EM_ARM", "i386": "EM_386"}
# glibc's default library folders on Debian (multiarch) and elsewhere.
DEFAULT_FOLDERS = ("/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
                   "/usr/lib/aarch64-linux-gnu", "/lib/arm-linux-gnueabihf",
                   "/usr/lib/arm-linux-gnueabihf", "/lib64", "/usr/lib64", "/lib", "/usr/lib")


class Tree:
    """The image's files from its export: paths, symbolic and hard links resolved in the image."""

    def __init__(self, archive: tarfile.TarFile):
        self.archive = archive
        self.members = {"/" + m.name.rstrip("/"): m for m in archive.getmembers()}

    def resolve(self, path: str, hops: int = 40) -> tarfile.TarInfo | None:
        """The regular file `path` names in the image, following links; None if there is none."""
        parts = [p for p in path.split("/") if p]
        current = ""
        for index, part in enumerate(parts):
            current = posixpath.normpath(f"{current}/{part}")
            member = self.members.get(current)
            if member is None:
                return None
            if member.issym():
                if hops == 0:
                    return None
                target = member.linkname if member.linkname.startswith("/") else \
                    posixpath.join(posixpath.dirname(current), member.linkname)
                rest = "/".join(parts[index + 1:])
                return self.resolve(posixpath.normpath(f"{target}/{rest}" if rest else target), hops - 1)
            if member.islnk():
                return self.resolve("/" + member.linkname, hops - 1)
        member = self.members.get(current or "/")
        return member if member is not None and member.isfile() else None

    def read(self, member: tarfile.TarInfo) -> bytes:
        return self.archive.extractfile(member).read()


@functools.cache
def tree(image_id: str) -> Tree:
    with images._created(image_id) as container:
        stream = b"".join(container.export())
    return Tree(tarfile.open(fileobj=io.BytesIO(stream)))


def dynamic(elf: ELFFile) -> tuple[list[str], list[str], list[str]]:
    """DT_NEEDED, DT_RPATH and DT_RUNPATH of a file."""
    needed, rpath, runpath = [], [], []
    for section in elf.iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_RPATH":
                    rpath += tag.rpath.split(":")
                elif tag.entry.d_tag == "DT_RUNPATH":
                    runpath += tag.runpath.split(":")
    return needed, rpath, runpath


def problems(tag: str, cpu: str) -> list[str]:
    """What stops a program of the image from starting on `cpu`; empty when nothing does."""
    image = images.client().images.get(tag)
    env = dict(e.split("=", 1) for e in image.attrs["Config"].get("Env") or [] if "=" in e)
    library_path = [p for p in env.get("LD_LIBRARY_PATH", "").split(":") if p]
    files = tree(image.id)
    found = []
    for path, member in sorted(files.members.items()):
        if not member.isfile() or member.size < 64:
            continue
        data = files.read(member)
        if data[:4] != b"\x7fELF":
            continue
        try:
            elf = ELFFile(io.BytesIO(data))
            machine = elf["e_machine"]
            interpreter = next((s.get_interp_name() for s in elf.iter_segments()
                                if s["p_type"] == "PT_INTERP"), None)
            needed, rpath, runpath = dynamic(elf)
        except ELFError as error:
            found.append(f"{path}: not a readable ELF file ({error})")
            continue
        if machine != MACHINES[cpu]:
            found.append(f"{path}: built for {machine}, not {cpu}")
            continue
        if interpreter and not files.resolve(interpreter):
            found.append(f"{path}: its program interpreter {interpreter} is not in the image")
        origin = posixpath.dirname(path)
        folders = [f.replace("$ORIGIN", origin).replace("${ORIGIN}", origin)
                   for f in ([] if runpath else rpath) + library_path + runpath] + list(DEFAULT_FOLDERS)
        for library in needed:
            candidates = [library] if "/" in library else [f"{f}/{library}" for f in folders]
            hit = next((m for m in map(files.resolve, candidates) if m is not None), None)
            if hit is None:
                found.append(f"{path}: needs {library}, which is not in the image")
            elif (machine_of := ELFFile(io.BytesIO(files.read(hit)))["e_machine"]) != machine:
                found.append(f"{path}: needs {library}, which is built for {machine_of}")
    return found
