# Sourced by demo.sh and test.sh: re-runs the calling script as root (the tests start containerd, registries and
# FUSE mounts), installs missing packages, and leaves the shell in the checkout root.
# Usage (first lines of a script): . "$(dirname "$(readlink -f "$0")")/become-root-and-install.sh" "$@"
if [ "$(id -u)" != 0 ]; then
    exec sudo -E "$0" "$@"
fi
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
scripts/install-packages.sh
