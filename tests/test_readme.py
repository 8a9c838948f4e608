"""The README's quick start works as written for a reader on a fresh Debian machine that has only
Debian's python3 and python3-venv (whose pip refuses to install outside a virtual environment)."""

from __future__ import annotations

import re
import shlex

import pytest

from harness import base_images, images
from harness.dockerfiles import REPO

TAG = "guide/readme:debian-python"
# What a fresh clone has: the repository without what runs leave behind.
LEFT_OUT = [".git", ".venv", ".nox", "site", "node_modules", "test-artifacts", "__pycache__"]
POLL = """
import os, re, sys, time, urllib.request
deadline = time.monotonic() + 420
while time.monotonic() < deadline:
    log = open("/tmp/serve.log").read() if os.path.exists("/tmp/serve.log") else ""
    found = re.search(r"Serving on (http://\\S+)", log)
    if found:
        break
    time.sleep(1)
else:
    sys.exit("nothing served within 420 s:\\n" + log[-3000:])
url = found.group(1)
for _ in range(60):
    try:
        page = urllib.request.urlopen(url, timeout=5).read().decode()
        break
    except OSError:
        time.sleep(1)
print(url)
print(re.search(r"<html[^>]*>", page).group(0))
print(re.search(r"<title>(.*?)</title>", page).group(1))
"""


def quick_start() -> list[str]:
    """The commands of the README's quick start block, as a reader copies them."""
    text = (REPO / "README.md").read_text()
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL).group(1)
    return [line[2:] for line in block.splitlines() if line.startswith("$ ")]


def test_the_quick_start_has_a_serve_and_a_test_command():
    commands = quick_start()
    assert len(commands) == 2 and "serve" in commands[0] and "test" in commands[1], commands
    assert (REPO / ".ci" / "run").read_text().count(commands[1]) == 1, ".ci/run runs another command"


@pytest.fixture(scope="module")
def debian_python() -> str:
    with base_images.certs_context() as certs:
        images.buildx(REPO / "tests" / "fixtures" / "readme", tag=TAG,
                      extra=["--build-context", f"certs={certs}"])
    return TAG


def test_system_pip_refuses_to_install_nox(debian_python):
    code, output = images.run_output(debian_python, "python3", "-m", "pip", "install", "nox",
                                     network="default")
    assert code != 0, output
    assert "externally-managed-environment" in output or "No module named pip" in output, output


def test_the_serve_command_serves_the_korean_home_page(debian_python):
    serve = quick_start()[0]
    copy = " ".join(f"--exclude=./{name} --exclude={name}" for name in LEFT_OUT)
    script = (f"tar -C /src {copy} -cf - . | tar -C /guide -xf - && "
              f"({serve}) >/tmp/serve.log 2>&1 & python3 -c {shlex.quote(POLL)}")
    container = images.start(debian_python, ["bash", "-c", script],
                             volumes={str(REPO): {"bind": "/src", "mode": "ro"}})
    try:
        code = container.wait(timeout=600)["StatusCode"]
        output = container.logs().decode()
    finally:
        container.remove(force=True)
    assert code == 0, output[-3000:]
    url, html, title = output.strip().splitlines()[-3:]
    assert url.startswith("http://127.0.0.1:8000/"), output
    assert 'lang="ko"' in html, html
    assert "멀티스테이지" in title, title
