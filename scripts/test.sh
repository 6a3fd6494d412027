#!/bin/bash
# Runs the whole test suite: installs missing packages, then builds and tests every module.
# The tests start their own containerd, registry and FUSE mounts, so this runs as root (re-executes with sudo).
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/become-root-and-install.sh" "$@"
exec ./mvnw -B verify "$@"
