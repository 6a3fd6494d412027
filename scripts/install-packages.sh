#!/bin/bash
# Installs whatever of scripts/packages.txt is missing (idempotent, non-interactive). Needs root.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$here/packages.txt")
missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "packages: all ${#wanted[@]} present" >&2
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "error: missing packages (${missing[*]}) and not root; run with sudo" >&2
    exit 1
fi
echo "packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
