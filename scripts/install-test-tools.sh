#!/bin/sh
# Installs the Debian packages the fast test suite (`npm test`) asks for its verdicts: dpkg-deb,
# dpkg-gencontrol, lintian, shellcheck, apt-ftparchive, gpg/gpgv, xz, zstd, GNU time, glibc's
# elf.h and file(1) for the ELF checks, systemd-analyze for unit files, strace for what a repository
# publish makes durable before it renames, and Debian's own ROS master for the watchdog tests.
# Works on Debian 12 and 13, as root or as a user with sudo.
set -eu

PACKAGES='dpkg-dev lintian shellcheck apt-utils gnupg gpgv xz-utils zstd pigz time libc6-dev file strace systemd python3 ros-core python3-rosmaster'

if [ "$(id -u)" -eq 0 ]; then
  as_root=
elif command -v sudo >/dev/null 2>&1; then
  as_root=sudo
else
  echo "install-test-tools: run this as root, or install sudo: it installs $PACKAGES with apt-get" >&2
  exit 1
fi

$as_root apt-get update
# shellcheck disable=SC2086 # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES
