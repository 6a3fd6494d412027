#!/bin/bash
# Writes a gzip-compressed layer tar of a minimal Debian bookworm rootfs made by debootstrap (needs root and
# the network; takes 1-2 minutes). The mirror is the one apt is configured with, else deb.debian.org.
# Usage: scripts/make-debootstrap-layer.sh OUT.tar.gz
set -euo pipefail
out=${1:?usage: $0 OUT.tar.gz}
if [ "$(id -u)" != 0 ]; then
    echo "error: debootstrap needs root" >&2
    exit 1
fi
mirror=$(grep -hsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    | grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n1 | tr -d ' ' || true)
mirror=${mirror:-http://deb.debian.org/debian}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "debootstrap bookworm from $mirror ..." >&2
debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    exit 1
}
# PAX keeps xattrs and sub-second times, as real image builders do.
tar --sort=name --format=pax --xattrs --xattrs-include='*' --pax-option=delete=atime,delete=ctime \
    --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" .
gzip -n -6 < "$work/layer.tar" > "$out.tmp"
mv "$out.tmp" "$out"
