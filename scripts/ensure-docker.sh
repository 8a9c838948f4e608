#!/usr/bin/env bash
# Make sure a Docker engine with BuildKit (buildx) answers `docker info`.
# On a machine that already has one (Docker Desktop, a CI runner) this does nothing.
# Otherwise it installs Debian trixie's engine packages and starts dockerd in the background.
set -euo pipefail

log() { printf 'ensure-docker: %s\n' "$*" >&2; }

engine_answers() { docker info >/dev/null 2>&1; }
buildx_answers() { docker buildx version >/dev/null 2>&1; }

if engine_answers && buildx_answers; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "no Docker engine answers and this is not root: start Docker yourself, then run again"
  exit 1
fi

packages=(docker.io docker-cli docker-buildx)

install_packages() {
  local codename
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  export DEBIAN_FRONTEND=noninteractive
  if [ "$codename" = trixie ] || [ "$codename" = forky ]; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
    return
  fi
  # Debian 12 and older: take only these packages (and what they need) from trixie,
  # with trixie pinned low so nothing else on the machine is upgraded.
  if [ ! -f /etc/apt/sources.list.d/trixie.sources ]; then
    cat >/etc/apt/sources.list.d/trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    cat >/etc/apt/preferences.d/trixie-low <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -t trixie "${packages[@]}" >/dev/null
}

if ! command -v dockerd >/dev/null 2>&1 || ! [ -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then
  log "installing ${packages[*]} from Debian"
  install_packages
fi

if ! engine_answers; then
  if pgrep -x dockerd >/dev/null; then
    log "dockerd runs but does not answer yet"
  else
    log "starting dockerd (log: /var/log/dockerd.log)"
    # setsid: the daemon must outlive the shell (and the test session) that started it.
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    engine_answers && break
    sleep 1
  done
fi

if ! engine_answers; then
  log "the Docker engine did not answer within 60 s; the end of /var/log/dockerd.log:"
  tail -n 20 /var/log/dockerd.log >&2 || true
  exit 1
fi
if ! buildx_answers; then
  log "docker answers but 'docker buildx' does not: install the docker-buildx plugin"
  exit 1
fi
