#!/usr/bin/env bash
# Make sure this machine can run linux/arm64 containers: the pages build and run arm64 images.
# On an arm64 machine, or where binfmt_misc already has an aarch64 handler (Docker Desktop
# registers one), this does nothing. Otherwise, on Debian as root, it installs QEMU's user-mode
# emulator (qemu-user-static) and registers it with binfmt_misc (with no systemd to do it).
#
#   bash scripts/ensure-arm64.sh            do it
#   bash scripts/ensure-arm64.sh --plan     only print what it would change
set -euo pipefail

log() { printf 'ensure-arm64: %s\n' "$*" >&2; }

BINFMT=/proc/sys/fs/binfmt_misc
HANDLER=/usr/lib/binfmt.d/qemu-aarch64.conf

plan_only=false
[ "${1:-}" = "--plan" ] && plan_only=true

arm64_runs() { [ "$(uname -m)" = aarch64 ] || [ -e "$BINFMT/qemu-aarch64" ]; }

if arm64_runs; then
  $plan_only && log "linux/arm64 programs run here: nothing to change"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "linux/arm64 programs do not run here, and this script can only set that up on Debian as root:"
  log "install QEMU's user-mode emulator and register it with binfmt_misc"
  log "(see https://docs.docker.com/build/building/multi-platform/#qemu), then run again"
  exit 1
fi

log "linux/arm64 programs do not run here. This script will change this machine:"
[ -f "$HANDLER" ] || log "  - install the package qemu-user-static (Debian)"
mountpoint -q "$BINFMT" || log "  - mount binfmt_misc on $BINFMT"
log "  - register the handler in $HANDLER with binfmt_misc"
log "To undo: echo -1 > $BINFMT/qemu-aarch64; apt-get purge qemu-user-static"
$plan_only && exit 0

if [ ! -f "$HANDLER" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi
mountpoint -q "$BINFMT" || mount -t binfmt_misc binfmt_misc "$BINFMT"
# The file holds the register line (and may hold comments); the F flag makes the kernel open
# the emulator now, so it also runs inside containers, where its path does not exist.
grep -v '^#' "$HANDLER" | grep . >"$BINFMT/register"
if ! arm64_runs; then
  log "registering $HANDLER did not add $BINFMT/qemu-aarch64"
  exit 1
fi
log "registered: $(head -n 1 "$BINFMT/qemu-aarch64"), flags $(grep ^flags "$BINFMT/qemu-aarch64" | cut -d' ' -f2)"
