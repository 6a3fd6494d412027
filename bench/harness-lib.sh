# Shared by the shell harnesses (run-cold-start-bench.sh, run-daemon-rss-bench.sh, run-fuse-read-bench.sh):
# a private docker-registry, the simulated slow link, private containerd + our daemon, timing and statistics.
# Source it after setting $root (the checkout) and $work (this run's scratch directory); call harness_cleanup on
# EXIT. Every process it starts is recorded in $pids and stopped by its own id.

cache=${ESTARGZ_TEST_CACHE:-$HOME/.cache/estargz-test}
pids=()

# harness_traps: report the failing command (set -e alone exits silently) and clean up on exit; KEEP=1 keeps
# the scratch directory for a post-mortem.
harness_traps() {
    set -E
    trap 'echo "error: ${BASH_SOURCE[0]}:$LINENO: \"$BASH_COMMAND\" failed" >&2' ERR
    trap harness_cleanup EXIT
}

harness_cleanup() {
    set +e
    trap - ERR
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    # fuse-manager processes detach from the daemon that started them: stop the ones serving this run's dirs
    for p in $(pids_serving "$work"); do stop_detached "$p"; done
    # FUSE mounts a harness left behind (only under this run's directory)
    grep -o " $work/[^ ]*" /proc/self/mountinfo 2>/dev/null | sort -r | while read -r m; do
        fusermount -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}

now() { date +%s.%N; }
# python3 itself, not a version manager's shim in front of it (pyenv's took 0.2-0.8 s of CPU per call, on the same
# 2 cores as the daemons being measured)
PYTHON3=$(command python3 -c 'import sys; print(sys.executable)')
python3() { "$PYTHON3" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# The cached test layers (same files as the testkit's TestLayers), made on first use.
busybox_layer() {
    local f
    f=$(ls "$cache"/busybox-*/layer.tar.gz 2>/dev/null | head -1 || true)
    if [ -z "$f" ]; then
        f=$cache/busybox-bench/layer.tar.gz
        mkdir -p "$(dirname "$f")" && "$root/scripts/make-busybox-layer.sh" "$f" >&2
    fi
    echo "$f"
}
debootstrap_layer() {
    local f=$cache/debootstrap-bookworm-minbase-v1/layer.tar.gz
    if [ ! -f "$f" ]; then
        mkdir -p "$(dirname "$f")" && "$root/scripts/make-debootstrap-layer.sh" "$f" >&2
    fi
    echo "$f"
}

# A generated layer of 3000 small text files (make-bench-image.py --gen), made on first use.
text_layer() {
    local f=$cache/bench/text-layer-v1.tar.gz
    if [ ! -f "$f" ]; then
        mkdir -p "$(dirname "$f")" && python3 "$root/bench/make-bench-image.py" --gen "$f.tmp" && mv "$f.tmp" "$f"
    fi
    echo "$f"
}

# start_registry: a plain-HTTP docker-registry on 127.0.0.1; sets $reg (host:port).
start_registry() {
    local port
    port=$(free_port)
    reg=127.0.0.1:$port
    cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: ${REGISTRY_LOG_LEVEL:-error}
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: $reg
YML
    docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 &
    pids+=($!)
    wait_port "$port" || { echo "error: docker-registry did not start" >&2; cat "$work/registry.log" >&2; exit 1; }
}

# push_layout LAYOUT_DIR TAG REF: an OCI layout made by make-bench-image.py into the registry.
push_layout() { skopeo copy -q --dest-tls-verify=false "oci:$1:$2" "docker://$3"; }

# start_link NAME TARGET: a SlowLink to TARGET with $RTT_MS / $MBIT; sets $link (host:port) and $link_pid; its
# counters go to $work/NAME.link when stop_link runs.
# The link's classes are compiled into this run's directory: bench/target may be mid-rebuild by someone else.
slowlink_cp() {
    local slf4j
    slf4j=$(ls "$HOME"/.m2/repository/org/slf4j/slf4j-api/*/slf4j-api-*.jar | grep -v sources | sort -V | tail -1)
    if [ ! -d "$work/slowlink-classes" ]; then
        javac -nowarn -d "$work/slowlink-classes" -cp "$slf4j" "$root"/bench/src/main/java/dev/estargz/bench/link/*.java
    fi
    echo "$work/slowlink-classes:$slf4j"
}
start_link() {
    local out=$work/$1.link
    java -Xmx128m -XX:+UseSerialGC -cp "$(slowlink_cp)" dev.estargz.bench.link.SlowLinkMain "$2" "$RTT_MS" "$MBIT" \
        > "$out.addr" 2> "$out" &
    link_pid=$!
    pids+=($link_pid)
    for _ in $(seq 200); do [ -s "$out.addr" ] && break; sleep 0.05; done
    link=$(head -1 "$out.addr")
    [ -n "$link" ] || { echo "error: SlowLink did not start" >&2; cat "$out" >&2; exit 1; }
}
# stop_link NAME: ends the link and sets $link_conns, $link_up, $link_down from its counters. Not in a subshell:
# only this shell can wait for the link to print them.
stop_link() {
    kill "$link_pid" 2>/dev/null || true
    wait "$link_pid" 2>/dev/null || true
    read -r link_conns link_up link_down < <(sed -n \
        's/^slowlink: \([0-9]*\) connections, \([0-9]*\) bytes up, \([0-9]*\) bytes down$/\1 \2 \3/p' \
        "$work/$1.link") || { echo "error: no counters from the link $1:" >&2; cat "$work/$1.link" >&2; return 1; }
}

# pids_serving DIR: processes (other than this shell's children) whose command line names DIR, e.g. the
# fuse-manager a daemon under DIR started; it outlives the daemon by design.
pids_serving() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null < "$p/cmdline" | grep -q "fusemanager.* $1/" && basename "$p"
    done
    return 0
}
# stop_detached PID: SIGTERM a process that is not our child, and wait up to 15 s for it to go.
stop_detached() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 150); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}

# start_daemon DIR [CONFIG_LINES] [KIND]: a snapshotter daemon with a private root, socket and fuse-manager socket
# under DIR; sets $daemon_pid, $daemon_sock, $daemon_root. KIND "ours" (default) runs our daemon, "base" ours from
# the checkout at $BASE_ROOT (another build, compared in the same run); "ref" runs the
# reference containerd-stargz-grpc at $REF_DAEMON (default /opt/stargz-ref/bin/containerd-stargz-grpc, built by
# ../shared/reference-daemon/build-ref.sh) with the same flags and config file.
REF_DAEMON=${REF_DAEMON:-/opt/stargz-ref/bin/containerd-stargz-grpc}
ref_daemon_present() { [ -x "$REF_DAEMON" ]; }
# warmed_up LOG...: a daemon or fuse manager logged the end of its warm-up mount (fuse-fs WarmUp) in one of LOG...
warmed_up() { grep -qs '"warm-up took\|"warm-up skipped' "$@"; }
# snapshots_warmed_up LOG: our daemon logged the end of its warm-up of containerd's calls (SnapshotsWarmUp)
snapshots_warmed_up() { grep -qs 'snapshot warm-up took\|snapshot warm-up skipped' "$1"; }
# train_class_archive JARS [ROOT]: one start and stop of our daemon from JARS (ROOT's launcher), which leaves the class-data archive
# bin/estargz-snapshotter writes at a daemon's first stop; measured starts are then those of an installed node.
train_class_archive() {
    local t=$work/cds-training-$(basename "$1")
    mkdir -p "$t/root"
    printf '[fuse_manager]\nenable = false\n' > "$t/c.toml"
    ESTARGZ_SNAPSHOTTER_JARS=$1 "${2:-$root}/bin/estargz-snapshotter" -address "$t/s.sock" -root "$t/root" -config "$t/c.toml" \
        > "$t/log" 2>&1 &
    local p=$!
    for _ in $(seq 500); do [ -S "$t/s.sock" ] && break; sleep 0.02; done
    # the warm-up layer's classes too (in-process mode: the daemon serves the warm-up mount itself)
    for _ in $(seq 1000); do warmed_up "$t/log" && snapshots_warmed_up "$t/log" && break; sleep 0.02; done
    kill "$p"; wait "$p" 2>/dev/null || true
}

start_daemon() {
    local dir=$1 kind=${3:-ours}
    daemon_sock=$dir/stargz.sock
    daemon_root=$dir/stargz-root
    mkdir -p "$daemon_root"
    # top-level keys first: the [fuse_manager] table must come last (the reference ignores it)
    printf '%s\n[fuse_manager]\naddress = "%s"\n' "${2:-}" "$dir/fuse-manager.sock" > "$dir/stargz.toml"
    if [ "$kind" = ref ]; then
        "$REF_DAEMON" -address "$daemon_sock" -root "$daemon_root" -config "$dir/stargz.toml" -log-level "${DAEMON_LOG_LEVEL:-info}" \
            > "$dir/stargz.log" 2>&1 &
    else
        # "base" is our daemon from the checkout at $BASE_ROOT (built with ./mvnw package): two builds side by side
        local src=$root jars=$work/snapshotter-jars
        if [ "$kind" = base ]; then src=${BASE_ROOT:?BASE_ROOT names the checkout of the "base" daemon}; jars=$work/base-jars; fi
        # as bin/estargz-snapshotter, but from a copy of the jars taken once per run: other work may rebuild
        # snapshotter/target while a harness runs (the fuse-manager is launched with the daemon's class path)
        if [ ! -d "$jars" ]; then
            mkdir -p "$jars"
            cp -r "$src/snapshotter/target/snapshotter.jar" "$src/snapshotter/target/lib" "$jars/"
            train_class_archive "$jars" "$src"
        fi
        ESTARGZ_SNAPSHOTTER_JARS=$jars "$src/bin/estargz-snapshotter" -address "$daemon_sock" -root "$daemon_root" \
            -config "$dir/stargz.toml" -log-level "${DAEMON_LOG_LEVEL:-info}" > "$dir/stargz.log" 2>&1 &
    fi
    daemon_pid=$!
    pids+=($daemon_pid)
    daemon_started=$(now)
    for _ in $(seq 300); do [ -S "$daemon_sock" ] && return 0; sleep 0.02; done
    echo "error: $kind snapshotter daemon did not serve" >&2; cat "$dir/stargz.log" >&2; exit 1
}

# await_node_ready DIR: for our daemon, also waits (up to 20 s) for the fuse manager it starts in the background
# to have served its warm-up mount, and for the daemon's warm-up of containerd's calls, as they have on a node long
# before the first pull; nothing to wait for with the reference, whose FUSE server is the daemon.
await_node_ready() {
    # the manager's log, or the daemon's own when it serves FUSE in-process ([fuse_manager] enable = false)
    for _ in $(seq 1000); do
        warmed_up "$daemon_root/stargz-fuse-manager.log" "$1/stargz.log" && snapshots_warmed_up "$1/stargz.log" && return 0
        sleep 0.02
    done
    echo "warning: the daemon and its fuse manager have not finished their warm-ups after 20 s" >&2
}

# stop_daemon DIR: SIGTERM the daemon, then the fuse-manager it left serving DIR (which unmounts the layers).
stop_daemon() {
    stop_pid "$daemon_pid"
    for p in $(pids_serving "$1"); do stop_detached "$p"; done
}

# start_containerd DIR: a private containerd (CRI off) with the daemon at $daemon_sock as [proxy_plugins.stargz];
# sets $ctd_pid and the command array ctr=(ctr-remote -a SOCK -n NAMESPACE).
start_containerd() {
    local dir=$1
    mkdir -p "$dir/root" "$dir/state"
    cat > "$dir/containerd.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/c.sock"
[ttrpc]
  address = "$dir/c.sock.ttrpc"
[debug]
  address = "$dir/c.sock.debug"
  level = "${CONTAINERD_LOG_LEVEL:-info}"
[proxy_plugins]
  [proxy_plugins.stargz]
    type = "snapshot"
    address = "${daemon_sock:-$dir/none.sock}"
    [proxy_plugins.stargz.exports]
      root = "${daemon_root:-$dir/none}/"
TOML
    containerd --config "$dir/containerd.toml" > "$dir/containerd.log" 2>&1 &
    ctd_pid=$!
    pids+=($ctd_pid)
    # containerd 1.6 keeps shim state under /run/containerd whatever its root: a namespace of our own per run
    ctr=(ctr-remote -a "$dir/c.sock" -n "bench-$(basename "$work")-$(basename "$dir")")
    for _ in $(seq 300); do "${ctr[@]}" version > /dev/null 2>&1 && break; sleep 0.1; done
    "${ctr[@]}" version > /dev/null 2>&1 || { echo "error: containerd did not start" >&2; cat "$dir/containerd.log" >&2; exit 1; }
    [ -n "${daemon_sock:-}" ] || return 0
    # until containerd's client to the plugin has connected, calls fail with "timed out waiting for server
    # handshake"; a snapshot prepare + remove is the cheapest call that reaches the plugin
    local i
    for i in $(seq 240); do
        if "${ctr[@]}" snapshots --snapshotter stargz prepare "await-$i" > /dev/null 2>&1; then
            "${ctr[@]}" snapshots --snapshotter stargz rm "await-$i" > /dev/null
            return 0
        fi
        sleep 0.25
    done
    echo "error: containerd does not reach the stargz snapshotter" >&2; cat "$dir/stargz.log" >&2; exit 1
}

# stop_pid PID: SIGTERM and wait (the daemon unmounts its FUSE layers on SIGTERM).
stop_pid() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# vmrss_kib PID: resident set size from /proc/PID/status.
vmrss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# median of the numbers on stdin
median() { python3 -c 'import statistics, sys; v = [float(l) for l in sys.stdin if l.strip()]; print("%.3f" % statistics.median(v))'; }
