#!/bin/bash
# Daemon memory benchmark (not a test): resident memory (VmRSS, and the peak VmHWM) of our snapshotter daemon, and
# of its fuse-manager process if it has one, read from /proc/PID/status:
#   idle (started, containerd connected), then after lazily pulling IMAGES different eStargz images one by one
#   (`ctr-remote images rpull --snapshotter stargz`), after running a command in each (reads through FUSE), and
#   SETTLE seconds later (background fetch of the rest of the layers running or done).
# Each image is debootstrap minbase + busybox (converted once by `estargz convert`) over a small layer of its
# own at the bottom, so no layer's chain ID is shared: the daemon mounts 3 layers per image. Private registry
# (no slow link: memory, not speed), private containerd and daemon roots. Goal (issue 6): <= 256 MiB.
#   IMAGES=5 SETTLE=30 DAEMON_CONFIG="" JAVA_OPTS="-Xmx256m -XX:+UseSerialGC [-XX:NativeMemoryTracking=summary]" \
#       bench/run-daemon-rss-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
IMAGES=${IMAGES:-5}
SETTLE=${SETTLE:-30}
work=$(mktemp -d /tmp/estargz-rss.XXXXXX)
. "$root/bench/harness-lib.sh"
harness_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,snapshotter -am -DskipTests)
fi

start_registry
python3 "$root/bench/make-bench-image.py" "$work/layout" v1 "$(debootstrap_layer)" "$(busybox_layer)"
push_layout "$work/layout" v1 "$reg/bench/src:v1"
"$root/bin/estargz" convert "$reg/bench/src:v1" "$reg/bench/base:v1" > "$work/convert.out"
lines=()
for i in $(seq "$IMAGES"); do
    mkdir -p "$work/own$i/etc"
    echo "image $i" > "$work/own$i/etc/bench-image"
    tar -C "$work/own$i" -cf "$work/own$i.tar" etc
    lines+=("$("$root/bin/estargz" convert --json "$work/own$i.tar" "$work/own$i.esgz")")
done
mapfile -t refs < <(python3 "$root/bench/make-variant-images.py" "$reg" bench/base:v1 bench/img "${lines[@]}")

dir=$work/node
mkdir -p "$dir"
start_daemon "$dir" "${DAEMON_CONFIG:-}"
start_containerd "$dir"

report() {
    local fm line
    line="$1: daemon VmRSS $(( $(vmrss_kib "$daemon_pid") / 1024 )) MiB (peak VmHWM $(awk '/^VmHWM:/ {print int($2/1024)}' "/proc/$daemon_pid/status") MiB)"
    fm=$(pids_serving "$dir" | head -1)
    if [ -n "$fm" ]; then
        line="$line; fuse-manager VmRSS $(( $(vmrss_kib "$fm") / 1024 )) MiB (peak VmHWM $(awk '/^VmHWM:/ {print int($2/1024)}' "/proc/$fm/status") MiB)"
    fi
    echo "$line; mounts $(grep -c " $work/" /proc/self/mountinfo || true); load $(load_avg)"
}
sleep 5
report "idle"
for i in $(seq "$IMAGES"); do
    "${ctr[@]}" images rpull --plain-http --snapshotter stargz "${refs[$((i - 1))]}" > /dev/null
    report "after rpull $i"
done
for i in $(seq "$IMAGES"); do
    out=$("${ctr[@]}" run --rm --snapshotter stargz "${refs[$((i - 1))]}" "r$i" sh -c 'cat /etc/bench-image; ls /usr/bin | wc -l')
    [ "$(echo "$out" | head -1)" = "image $i" ] || { echo "error: image $i printed: $out" >&2; exit 1; }
done
report "$IMAGES images pulled, one command run in each"
sleep "$SETTLE"
report "$SETTLE s later"
echo "daemon JVM options: ${JAVA_OPTS:-default (-Xmx256m -XX:+UseSerialGC)}"
# With -XX:NativeMemoryTracking=summary in JAVA_OPTS (the fuse-manager inherits -X options): where the memory is.
if [[ "${JAVA_OPTS:-}" == *NativeMemoryTracking* ]]; then
    for p in "$daemon_pid" $(pids_serving "$dir"); do
        echo "native memory of $p (committed KB by category):"
        jcmd "$p" VM.native_memory summary | sed -n 's/^-  *\([A-Za-z][A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB).*/  \1 \2/p; s/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/  Total \1/p'
    done
fi
stop_pid "$ctd_pid"
stop_daemon "$dir"
