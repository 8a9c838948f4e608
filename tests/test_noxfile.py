"""scripts/nox installs a session's pinned requirements once per virtual environment
(noxfile.install): a page that runs `scripts/nox -s audit` does not wait for pip to find
everything installed already, and a changed requirements file is installed again."""

from __future__ import annotations

import hashlib
import subprocess

from harness.dockerfiles import REPO

REQUIREMENTS = REPO / "requirements" / "audit.txt"
RECORD = REPO / ".nox" / "audit" / "installed-audit.sha256"
PIP = "python -m pip install --require-hashes -r requirements/audit.txt"


def nox_log() -> str:
    """What `scripts/nox -s audit -- --help` logs (nox logs to standard error)."""
    result = subprocess.run([str(REPO / "scripts" / "nox"), "-s", "audit", "--", "--help"],
                            cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_a_session_installs_its_requirements_once_per_environment():
    nox_log()  # installs them if this environment never had them
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    assert RECORD.read_text() == digest
    assert PIP not in nox_log()
    # What a requirements file changed since the last install looks like to the session.
    RECORD.write_text(hashlib.sha256(b"the requirements of before").hexdigest())
    assert PIP in nox_log()
    assert RECORD.read_text() == digest
