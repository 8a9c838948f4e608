#!/usr/bin/env bash
# Make sure a Docker engine with BuildKit (buildx) answers `docker info`.
# On a machine that already has one (Docker Desktop, a CI runner) this does nothing.
# Otherwise, on Debian as root, it says what it will change and how to undo it, then installs
# Debian's engine packages and starts dockerd in the background.
#
#   bash scripts/ensure-docker.sh            do it
#   bash scripts/ensure-docker.sh --plan     only print what it would change
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

GUIDE="https://docs.docker.com/engine/install/"
LOG_FILE=/var/log/dockerd.log
# BuildKit's garbage collection by default sets its limits from the size the disk reports; where a
# disk reports more than it holds, the build cache of repeated runs (each run adds layers: the
# pages' edits are stamped with the time) can fill it. The engine this script starts has fixed
# bounds instead (scripts/engine/daemon.json; `docker buildx inspect` shows them as GC policies).
DAEMON_CONFIG=/etc/docker/daemon.json
GUIDE_CONFIG="$(dirname "$0")/engine/daemon.json"
# The engine readers run in late 2026 is Engine 28 or newer with buildx 0.2x: build checks,
# `--call`, `buildx history` and `COPY --exclude` are there, and the site is proven on it. Debian
# testing has Engine 28.5 and buildx 0.29; they run on trixie's containerd 1.7. runc comes from
# testing too: trixie's 1.1 is end of life and failed about one container start in a few hundred
# here ("read init-p: connection reset by peer"). Only these packages come from testing.
ENGINE=(docker.io docker-cli docker-buildx)
RUNC=runc
FROM_TESTING=("${ENGINE[@]}" "$RUNC")
ENGINE_MINIMUM=28.5
BUILDX_MINIMUM=0.29
TESTING_SOURCE=/etc/apt/sources.list.d/debian-testing-engine.sources
TESTING_PIN=/etc/apt/preferences.d/debian-testing-engine
# What earlier versions of this script added: runc alone from testing.
OLD_TESTING_FILES=(/etc/apt/sources.list.d/debian-testing-runc.sources /etc/apt/preferences.d/debian-testing-runc)
TRIXIE_SOURCE=/etc/apt/sources.list.d/debian-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/debian-trixie-low

plan_only=false
[ "${1:-}" = "--plan" ] && plan_only=true

engine_answers() { docker info >/dev/null 2>&1; }
buildx_answers() { docker buildx version >/dev/null 2>&1; }
# at_least VERSION MINIMUM: true when VERSION (1.2.3, any suffix) is MINIMUM or newer.
at_least() { [ "$(printf '%s\n%s\n' "$2" "${1%%[-+~]*}" | sort -V | head -n 1)" = "$2" ]; }
installed_version() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed 's/^[0-9]*://'; }
engine_installed() {
  command -v dockerd >/dev/null 2>&1 && [ -x /usr/libexec/docker/cli-plugins/docker-buildx ] \
    && at_least "$(installed_version docker.io)" "$ENGINE_MINIMUM" \
    && at_least "$(installed_version docker-buildx)" "$BUILDX_MINIMUM"
}
runc_current() { runc --version 2>/dev/null | awk 'NR == 1 { exit !($3 !~ /^1\.1\./) }'; }

if engine_answers && buildx_answers; then
  $plan_only && log "a Docker engine with buildx answers: nothing to change"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "no Docker engine answers, and this machine has no apt-get, so this script cannot install one."
  log "Install Docker Engine or Docker Desktop as its guide says ($GUIDE), start it, and run again."
  exit 1
fi
if [ "$(id -u)" -ne 0 ] && ! $plan_only; then
  log "no Docker engine answers and this is not root: start Docker yourself"
  log "(or run this script as root to install Debian's engine; see $GUIDE), then run again"
  exit 1
fi

# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-unknown}")
needs_trixie_source=true
case "$codename" in
  trixie | forky | sid) needs_trixie_source=false ;;
esac
# A trixie source added before (by hand, or by an earlier version of this script) serves too.
if grep -rqsw trixie /etc/apt/sources.list /etc/apt/sources.list.d/; then
  has_trixie_source=true
else
  has_trixie_source=false
fi

plan() {
  local added=()
  log "no Docker engine answers. This script will change this machine (Debian $codename):"
  if ! engine_installed || ! runc_current; then
    if $needs_trixie_source && ! $has_trixie_source; then
      log "  - add the apt source $TRIXIE_SOURCE (Debian trixie) and the pin $TRIXIE_PIN,"
      log "    which keeps every other package of this machine on $codename, except what the"
      log "    engine needs from trixie: the C library, dpkg and base-files among them"
      log "    (after that, /etc/os-release names trixie)"
      added+=("$TRIXIE_SOURCE" "$TRIXIE_PIN")
    fi
    if [ ! -f "$TESTING_SOURCE" ]; then
      log "  - add the apt source $TESTING_SOURCE (Debian testing) and the pin $TESTING_PIN,"
      log "    which lets only the packages ${FROM_TESTING[*]} come from testing"
      added+=("$TESTING_SOURCE" "$TESTING_PIN")
    fi
    log "  - install the packages ${FROM_TESTING[*]} (Debian testing: Engine $ENGINE_MINIMUM"
    log "    or newer, buildx $BUILDX_MINIMUM or newer), with what they need (containerd among them)"
  fi
  if [ ! -e "$DAEMON_CONFIG" ]; then
    log "  - write $DAEMON_CONFIG (scripts/engine/daemon.json): the build cache stays under 20 GB,"
    log "    and is collected (not below 8 GB) while less than 10 GB of the disk is free"
    added+=("$DAEMON_CONFIG")
  else
    log "  - leave $DAEMON_CONFIG as it is (scripts/engine/daemon.json bounds the build cache)"
  fi
  log "  - start dockerd in the background as root; its log: $LOG_FILE; its data: /var/lib/docker"
  log "To undo: pkill dockerd; apt-get purge ${FROM_TESTING[*]} containerd;"
  log "  rm -f ${added[*]} $LOG_FILE; apt-get update;"
  log "  and, to remove every image and the build cache too: rm -rf /var/lib/docker"
}

add_sources() {
  if $needs_trixie_source && ! $has_trixie_source; then
    printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: trixie" \
      "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$TRIXIE_SOURCE"
    printf '%s\n' "Package: *" "Pin: release n=trixie" "Pin-Priority: 100" >"$TRIXIE_PIN"
  fi
  if [ ! -f "$TESTING_SOURCE" ]; then
    rm -f "${OLD_TESTING_FILES[@]}"
    printf '%s\n' "Types: deb" "URIs: http://deb.debian.org/debian" "Suites: testing" \
      "Components: main" "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >"$TESTING_SOURCE"
    # The named packages outrank every other release; nothing else comes from testing
    # unless asked for by name with -t testing.
    printf '%s\n' "Package: ${FROM_TESTING[*]}" "Pin: release a=testing" "Pin-Priority: 995" "" \
      "Package: *" "Pin: release a=testing" "Pin-Priority: 50" >"$TESTING_PIN"
  fi
}

install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  local from_trixie=()
  $needs_trixie_source && from_trixie=(-t trixie)
  apt-get install -y -qq --no-install-recommends "${from_trixie[@]}" "${FROM_TESTING[@]}" >/dev/null
}

plan
if $plan_only; then
  exit 0
fi

if ! engine_installed || ! runc_current; then
  add_sources
  log "installing ${FROM_TESTING[*]} from Debian testing"
  install_packages
  log "$(dockerd --version); buildx $(installed_version docker-buildx); $(runc --version | head -n 1)"
fi

if ! engine_answers; then
  if pgrep -x dockerd >/dev/null; then
    log "dockerd runs but does not answer yet"
  else
    if [ ! -e "$DAEMON_CONFIG" ]; then
      mkdir -p "$(dirname "$DAEMON_CONFIG")"
      cp "$GUIDE_CONFIG" "$DAEMON_CONFIG"
    fi
    log "starting dockerd (log: $LOG_FILE)"
    # setsid: the daemon must outlive the shell (and the test session) that started it.
    setsid dockerd >"$LOG_FILE" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 1
  done
fi

if ! engine_answers; then
  log "the Docker engine did not answer within 60 s; the end of $LOG_FILE:"
  tail -n 20 "$LOG_FILE" >&2 || true
  exit 1
fi
if ! buildx_answers; then
  log "docker answers but 'docker buildx' does not: install the docker-buildx plugin"
  exit 1
fi
