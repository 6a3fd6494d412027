#!/bin/bash
# One command from a fresh Debian 12 machine to a working demo: installs missing packages, builds the project,
# converts a real layer (a busybox rootfs tar.gz the demo builds) to eStargz with bin/estargz and shows what
# `inspect` and `verify` say about it, then runs the main job end to end (scripts/demo-lazy-pull.sh: image
# conversion registry -> registry, lazy pull and run through containerd and estargz-snapshotter).
# Re-executes itself with sudo when not root.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/become-root-and-install.sh" "$@"
./mvnw -B -q install -DskipTests
work=$(mktemp -d /tmp/estargz-demo.XXXXXX)
echo
echo "== building a busybox rootfs layer"
scripts/make-busybox-layer.sh "$work/busybox.tar.gz"
ls -l "$work/busybox.tar.gz"
echo
echo "== estargz convert $work/busybox.tar.gz $work/busybox.esgz"
bin/estargz convert "$work/busybox.tar.gz" "$work/busybox.esgz"
toc=$(bin/estargz toc-digest "$work/busybox.esgz")
echo
echo "== estargz inspect $work/busybox.esgz"
bin/estargz inspect "$work/busybox.esgz"
echo
echo "== estargz verify --toc-digest $toc $work/busybox.esgz"
bin/estargz verify --toc-digest "$toc" "$work/busybox.esgz"
echo
echo "==== the main job: convert an image in a registry and pull it lazily with containerd + estargz-snapshotter"
scripts/demo-lazy-pull.sh "$work/lazy-pull"
echo
echo "Files and logs are in $work. bin/estargz --help shows every command."
