#!/bin/bash
# Writes a gzip-compressed layer tar of a small busybox rootfs: /bin/busybox (from busybox-static) with one
# symlink per applet, a few /etc files, /tmp with the sticky bit. Deterministic for one busybox build.
# Usage: scripts/make-busybox-layer.sh OUT.tar.gz
set -euo pipefail
out=${1:?usage: $0 OUT.tar.gz}
busybox=/bin/busybox
if ! "$busybox" --list >/dev/null 2>&1; then
    echo "error: $busybox is missing or not runnable (install busybox-static)" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,etc,root,tmp,var/log}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
echo estargz-demo > "$root/etc/hostname"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
tar --sort=name --format=gnu --owner=root:0 --group=root:0 --mtime=@1700000000 \
    -C "$root" -cf "$work/layer.tar" .
gzip -n -9 < "$work/layer.tar" > "$out.tmp"
mv "$out.tmp" "$out"
