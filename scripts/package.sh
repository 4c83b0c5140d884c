#!/usr/bin/env bash
# A release tarball that runs on a machine without the Swift toolchain: the release binary (Swift standard
# library and Foundation linked statically), its resources, the systemd unit, the Prometheus alert rules,
# the shipped policies as a starting point, and the documentation.
#
#   scripts/package.sh [OUTPUT_DIR]       # default: .build-package/
#
# Prints the tarball's path last. The target machine needs glibc and libsqlite3 (Debian: libsqlite3-0).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-.build-package}"
mkdir -p "$out"

swift build -c release --static-swift-stdlib --product casegate
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)"
version="$("$bin/casegate" --version | awk '{print $2}')"
commit="$("$bin/casegate" --version | sed -E 's/.*commit ([^)]*)\).*/\1/')"
name="casegate-$version-$(uname -m)"

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
root="$stage/$name"
mkdir -p "$root/bin" "$root/deploy" "$root/policies"
cp "$bin/casegate" "$root/bin/"
cp -R "$bin"/casegate_*.resources "$root/bin/"
cp -R policies/partners policies/retention.yaml policies/bank-holidays.json "$root/policies/"
cp deploy/casegate.service "$root/deploy/"
cp -R deploy/prometheus "$root/deploy/"
cp -R docs README.md "$root/"
printf '%s\n' "$version" "$commit" > "$root/VERSION"

tarball="$out/$name.tar.gz"
tar -C "$stage" -czf "$tarball" "$name"
echo "$tarball"
