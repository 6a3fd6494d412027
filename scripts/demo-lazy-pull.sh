#!/bin/bash
# The main job end to end, on loopback with private directories (nothing touches the system's containerd):
#   1. builds a two-layer OCI image (busybox rootfs + a 64 MiB data layer the command never reads) with umoci,
#   2. starts a private docker-registry and pushes the image with skopeo (plain gzip layers),
#   3. converts it registry -> registry to eStargz with `estargz convert`,
#   4. starts our estargz-snapshotter and a private containerd that uses it as [proxy_plugins.stargz],
#   5. lazily pulls with `ctr-remote image rpull`, runs a container with `ctr run`, and shows how few bytes were
#      fetched (the snapshotter's /metrics) and the layer state inside the container.
# Expects a built checkout (scripts/demo.sh builds it) and root. Usage: scripts/demo-lazy-pull.sh WORKDIR
set -euo pipefail
work=${1:?usage: $0 WORKDIR}
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
mkdir -p "$work"
pids=()
cleanup() {
    set +e
    if [ -S "$work/containerd/c.sock" ]; then
        ctr-remote -a "$work/containerd/c.sock" -n estargz-demo tasks kill -s KILL demo >/dev/null 2>&1
        ctr-remote -a "$work/containerd/c.sock" -n estargz-demo containers rm demo >/dev/null 2>&1
    fi
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -TERM "${pids[i]}" 2>/dev/null && wait "${pids[i]}" 2>/dev/null
    done
    # the fuse manager outlives the daemon on purpose (running containers keep their layers); the demo ends it
    if [ -f "$work/snapshotter/fuse-manager.sock.lock" ]; then
        kill -TERM "$(cat "$work/snapshotter/fuse-manager.sock.lock")" 2>/dev/null
        sleep 1
    fi
    grep -F "$work/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || fusermount -u -z "$m" 2>/dev/null
    done
}
trap cleanup EXIT

free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
}

wait_for() { # DESCRIPTION COMMAND...: polls for up to 60 s
    local what=$1
    shift
    for _ in $(seq 1 600); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "error: $what did not come up; logs are in $work" >&2
    exit 1
}

echo "== 1. a two-layer OCI image: busybox + 64 MiB of data the command never reads"
"$root/scripts/make-busybox-layer.sh" "$work/busybox.tar.gz"
rm -rf "$work/oci" "$work/bundle"
umoci init --layout "$work/oci"
umoci new --image "$work/oci:demo"
umoci unpack --image "$work/oci:demo" "$work/bundle" >/dev/null
tar -xzf "$work/busybox.tar.gz" -C "$work/bundle/rootfs"
umoci repack --refresh-bundle --image "$work/oci:demo" "$work/bundle"
mkdir -p "$work/bundle/rootfs/data"
head -c $((64 << 20)) /dev/urandom > "$work/bundle/rootfs/data/big.bin"
echo "hello from a lazily pulled container" > "$work/bundle/rootfs/etc/motd"
umoci repack --image "$work/oci:demo" "$work/bundle"
umoci config --image "$work/oci:demo" --config.cmd /bin/sh --os linux --architecture amd64

echo
echo "== 2. a private docker-registry on loopback, and the image pushed as plain gzip layers"
port=$(free_port)
mkdir -p "$work/registry"
cat > "$work/registry/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $work/registry/data
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/registry/config.yml" > "$work/registry/log" 2>&1 &
pids+=($!)
wait_for "docker-registry" curl -fsS "http://127.0.0.1:$port/v2/"
registry=127.0.0.1:$port
skopeo copy --quiet --dest-tls-verify=false "oci:$work/oci:demo" "docker://$registry/demo:gzip"
echo "pushed $registry/demo:gzip"

echo
echo "== 3. estargz convert $registry/demo:gzip $registry/demo:esgz"
"$root/bin/estargz" convert "$registry/demo:gzip" "$registry/demo:esgz"

echo
echo "== 4. our snapshotter and a private containerd that uses it"
mkdir -p "$work/snapshotter" "$work/containerd"
metrics_port=$(free_port)
fs_metrics_port=$(free_port)
cat > "$work/snapshotter/config.toml" <<EOF
metrics_address = "127.0.0.1:$metrics_port"
# no background fetch, so the figures below show only what the container's reads and the prefetch needed
no_background_fetch = true
[blob]
fetching_timeout_sec = 30
# the FUSE mounts live in a separate process, so a restart of the daemon keeps running containers working
[fuse_manager]
address = "$work/snapshotter/fuse-manager.sock"
metrics_address = "127.0.0.1:$fs_metrics_port"
EOF
"$root/bin/estargz-snapshotter" -root "$work/snapshotter/root" -address "$work/snapshotter/stargz.sock" \
    -config "$work/snapshotter/config.toml" > "$work/snapshotter/log" 2>&1 &
pids+=($!)
wait_for "estargz-snapshotter" test -S "$work/snapshotter/stargz.sock"
cat > "$work/containerd/config.toml" <<EOF
version = 2
root = "$work/containerd/root"
state = "$work/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/containerd/c.sock"
[ttrpc]
  address = "$work/containerd/c.sock.ttrpc"
[debug]
  address = "$work/containerd/c.sock.debug"
[proxy_plugins]
  [proxy_plugins.stargz]
    type = "snapshot"
    address = "$work/snapshotter/stargz.sock"
    [proxy_plugins.stargz.exports]
      root = "$work/snapshotter/root/"
EOF
containerd --config "$work/containerd/config.toml" > "$work/containerd/log" 2>&1 &
pids+=($!)
ctr=(ctr-remote -a "$work/containerd/c.sock" -n estargz-demo)
wait_for "containerd" "${ctr[@]}" version
# containerd dials the proxy plugin lazily; a snapshot prepare and remove is the cheapest call that reaches it
stargz_answers() {
    "${ctr[@]}" snapshots --snapshotter stargz prepare demo-probe >/dev/null 2>&1 &&
        "${ctr[@]}" snapshots --snapshotter stargz rm demo-probe >/dev/null 2>&1
}
wait_for "containerd's connection to estargz-snapshotter" stargz_answers

echo
echo "== 5. lazy pull and run"
start=$(date +%s.%N)
"${ctr[@]}" images rpull --plain-http --snapshotter stargz "$registry/demo:esgz" | tail -n 1
pulled=$(date +%s.%N)
"${ctr[@]}" run --snapshotter stargz "$registry/demo:esgz" demo \
    /bin/sh -c 'cat /etc/motd; echo "layer state seen from inside:"; cat /.stargz-snapshotter/*.json; echo'
done_at=$(date +%s.%N)
echo
awk -v a="$start" -v b="$pulled" -v c="$done_at" \
    'BEGIN { printf "rpull took %.2f s, run %.2f s\n", b - a, c - b }'
echo "what the snapshotter fetched per layer (estargz_fs_layer_fetched_bytes of estargz_fs_layer_size_bytes):"
curl -fsS "http://127.0.0.1:$fs_metrics_port/metrics" | grep -E '^estargz_fs_layer_(fetched|size)_bytes' || true
echo "remote snapshots and fallbacks:"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" |
    grep -E '^estargz_snapshotter_(remote_snapshots|fallbacks)_total' || true
