#!/usr/bin/env bash
# Build a Debian rootfs tarball the way the official debian images are made (debuerreotype):
# a minbase bootstrap, apt's docker-clean settings, and for the slim variant no docs but
# copyright files, no man/info pages and no translations.
#
# usage: rootfs.sh SUITE slim|full OUT.tar [ARCH]   (ARCH: a Debian architecture, such as
# arm64; another machine's runs its package scripts under QEMU through binfmt_misc)
set -euo pipefail
suite=$1 variant=$2 out=$3 arch=${4:-$(dpkg --print-architecture)}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

dpkg_opts=()
if [ "$variant" = slim ]; then
  # The same path-excludes debuerreotype's --slimify writes to /etc/dpkg/dpkg.cfg.d/docker.
  for rule in \
    path-exclude=/usr/share/doc/* \
    path-include=/usr/share/doc/*/copyright \
    path-exclude=/usr/share/groff/* \
    path-exclude=/usr/share/info/* \
    path-exclude=/usr/share/linda/* \
    path-exclude=/usr/share/lintian/* \
    path-exclude=/usr/share/locale/* \
    path-include=/usr/share/locale/locale.alias \
    path-exclude=/usr/share/man/*; do
    dpkg_opts+=(--dpkgopt="$rule")
  done
fi

# apt settings every official image carries (debuerreotype-minimizing-config).
apt_clean='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'

# The hooks run in mmdebstrap's shell with the rootfs path as $1: single quotes are meant.
# shellcheck disable=SC2016
mmdebstrap --quiet --variant=minbase --format=tar --architectures="$arch" \
  "${dpkg_opts[@]}" \
  --aptopt='Acquire::Languages "none"' \
  --aptopt='Acquire::GzipIndexes "true"' \
  --aptopt='APT::AutoRemove::SuggestsImportant "false"' \
  --customize-hook="cat >\"\$1/etc/apt/apt.conf.d/docker-clean\" <<'CONF'
$apt_clean
CONF" \
  --customize-hook="rm -f \"\$1/etc/apt/sources.list\"; cat >\"\$1/etc/apt/sources.list.d/debian.sources\" <<'SRC'
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/debconf/*-old "$1"/var/lib/dpkg/*-old "$1"/var/log/*.log "$1"/var/log/apt/* "$1"/tmp/*' \
  --customize-hook='rm -f "$1/etc/hostname" "$1/etc/resolv.conf"; : > "$1/etc/machine-id"' \
  "$suite" "$out" "$mirror"
