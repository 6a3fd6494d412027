#!/bin/bash
# Runs the whole test suite: installs missing packages, then builds and tests every module.
# The tests start their own containerd, registry and FUSE mounts, so this runs as root (re-executes with sudo).
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
    exec sudo -E "$0" "$@"
fi
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
"$root/scripts/install-packages.sh"
cd "$root"
exec ./mvnw -B verify "$@"
