#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright's own browser download cannot work
# offline), and tests/test_lighthouse.py runs the Lighthouse pinned in tests/lighthouse/.
# It also makes sure of jq, which the debugging and lint pages' commands read JSON with.
# Install what is missing; quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# apt_install MESSAGE PACKAGE...: install Debian packages as root, or stop with MESSAGE where
# this script cannot (not root, or no apt-get).
apt_install() {
  local message=$1
  shift
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-browser: $message" >&2
    exit 1
  fi
  echo "ensure-browser: installing Debian's $*" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_chromium() {
  local candidate
  for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then
      return 0
    fi
  done
  apt_install "no Chromium found; install chromium (the browser tests need it)" chromium fonts-noto-cjk
}

# npm ci: exactly what package-lock.json names, its integrity hashes checked. Again whenever the
# lock is newer than the installed tree (npm keeps a copy of it in node_modules/).
ensure_lighthouse() {
  local dir=tests/lighthouse
  if [ -x "$dir/node_modules/.bin/lighthouse" ] \
    && [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "ensure-browser: no npm found; install Node.js 18.20 or later (tests/test_lighthouse.py needs it)" >&2
    exit 1
  fi
  echo "ensure-browser: installing Lighthouse into $dir (npm ci)" >&2
  npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
}

ensure_jq() {
  command -v jq >/dev/null 2>&1 && return 0
  apt_install "no jq found; install jq (the debugging and lint pages run it)" jq
}

ensure_chromium
ensure_lighthouse
ensure_jq
