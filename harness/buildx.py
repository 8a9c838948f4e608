"""How the harness calls buildx: by its own program, where the docker CLI finds it.

Through `docker buildx ...`, the docker CLI first starts the plugin to ask for its metadata and
then starts it again to build: two starts of a 70 MB program, each about 70 ms of CPU, which
is as much as a cached build's own work on the client, and the suite builds some 500 times.
buildx run by itself (its standalone mode) builds the same, on the engine DOCKER_HOST names.
"""

from __future__ import annotations

import functools
import os
import subprocess

FIND = '{{range .ClientInfo.Plugins}}{{if eq .Name "buildx"}}{{.Path}}{{end}}{{end}}'


@functools.cache
def program() -> list[str]:
    """The start of a buildx command line: [the plugin's path], or ["docker", "buildx"] if the
    docker CLI names none (it then says what is wrong when the command runs)."""
    info = subprocess.run(["docker", "info", "--format", FIND], capture_output=True, text=True)
    found = info.stdout.strip()
    return [found] if found and os.access(found, os.X_OK) else ["docker", "buildx"]
