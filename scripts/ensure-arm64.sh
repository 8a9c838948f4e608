#!/usr/bin/env bash
# Make sure this machine can run linux/arm64 containers: the pages build and run arm64 images.
# On an arm64 machine, or where binfmt_misc already has a recent enough aarch64 handler (Docker
# Desktop registers one), this does nothing. Otherwise, on Debian as root, it installs QEMU's
# user-mode emulator (qemu-user-static) and registers it with binfmt_misc (with no systemd to do it).
#
#   bash scripts/ensure-arm64.sh            do it
#   bash scripts/ensure-arm64.sh --plan     only print what it would change
set -euo pipefail

log() { printf 'ensure-arm64: %s\n' "$*" >&2; }

BINFMT=/proc/sys/fs/binfmt_misc
HANDLER=/usr/lib/binfmt.d/qemu-aarch64.conf
# Debian 12's QEMU 7.2 runs the examples' arm64 Python about five times slower than trixie's
# 10.0 (importing examples/python-api's app took 47 s against 9 s here, and its arm64 runtime
# contract tests 60 s against 17 s), though not every program gains: Go's compiler ran a sixth
# slower under 10.0. Debian 12 gets the emulator from trixie (a static build, nothing else comes
# with it); ensure-docker.sh adds that apt source.
QEMU_MINIMUM=10.0

plan_only=false
[ "${1:-}" = "--plan" ] && plan_only=true

registered() { [ -e "$BINFMT/qemu-aarch64" ]; }
# The version of the registered emulator, empty when its path is not on this machine (Docker
# Desktop registers one from inside a container).
registered_version() {
  local interpreter
  # Debian's handler is a link named *-binfmt-P, and QEMU refuses to run by that name from a shell.
  interpreter=$(readlink -f "$(sed -n 's/^interpreter //p' "$BINFMT/qemu-aarch64")")
  [ -x "$interpreter" ] || return 0
  "$interpreter" --version | sed -n '1s/^qemu-aarch64 version \([0-9][0-9.]*\).*/\1/p'
}
recent_enough() {
  local version
  version=$(registered_version)
  [ -z "$version" ] || dpkg --compare-versions "$version" ge "$QEMU_MINIMUM"
}

if [ "$(uname -m)" = aarch64 ] || { registered && recent_enough; }; then
  $plan_only && log "linux/arm64 programs run here: nothing to change"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  registered && { log "QEMU $(registered_version) runs arm64 programs here, slowly: QEMU $QEMU_MINIMUM or later is faster"; exit 0; }
  log "linux/arm64 programs do not run here, and this script can only set that up on Debian as root:"
  log "install QEMU's user-mode emulator and register it with binfmt_misc"
  log "(see https://docs.docker.com/build/building/multi-platform/#qemu), then run again"
  exit 1
fi

# Debian 12's own qemu-user-static is older than the minimum: then it comes from trixie. The
# candidate decides, not the release name: ensure-docker.sh's packages from trixie rename the
# release in /etc/os-release while apt still prefers Debian 12's packages.
release=()
candidate() { apt-cache policy qemu-user-static | sed -n 's/^ *Candidate: //p'; }
older_than_minimum() { ! dpkg --compare-versions "${1#*:}" ge "$QEMU_MINIMUM"; }
older_than_minimum "$(candidate)" && release=(-t trixie)

if registered; then
  log "QEMU $(registered_version) runs arm64 programs here, older than $QEMU_MINIMUM. This script will change this machine:"
else
  log "linux/arm64 programs do not run here. This script will change this machine:"
fi
log "  - install Debian's package qemu-user-static${release[*]:+ from ${release[1]}}"
mountpoint -q "$BINFMT" || log "  - mount binfmt_misc on $BINFMT"
log "  - register the handler in $HANDLER with binfmt_misc"
log "To undo: echo -1 > $BINFMT/qemu-aarch64; apt-get purge qemu-user-static qemu-user qemu-user-binfmt"
$plan_only && exit 0

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
older_than_minimum "$(candidate)" && release=(-t trixie)
apt-get install -y -qq --no-install-recommends "${release[@]}" qemu-user-static >/dev/null
mountpoint -q "$BINFMT" || mount -t binfmt_misc binfmt_misc "$BINFMT"
# The F flag made the kernel open the old emulator when it was registered: only registering
# again runs the new one.
if registered; then echo -1 >"$BINFMT/qemu-aarch64"; fi
# The file holds the register line (and may hold comments); the F flag makes the kernel open
# the emulator now, so it also runs inside containers, where its path does not exist.
grep -v '^#' "$HANDLER" | grep . >"$BINFMT/register"
if ! registered || ! recent_enough; then
  log "registering $HANDLER did not add QEMU $QEMU_MINIMUM or later as $BINFMT/qemu-aarch64"
  exit 1
fi
log "registered: QEMU $(registered_version), $(head -n 1 "$BINFMT/qemu-aarch64"), flags $(grep ^flags "$BINFMT/qemu-aarch64" | cut -d' ' -f2)"
