#!/bin/bash
# Daemon memory benchmark (not a test): resident memory (VmRSS, and the peak VmHWM) of our snapshotter daemon, and
# of its fuse-manager process if it has one, read from /proc/PID/status:
#   idle (started, containerd connected), then after lazily pulling IMAGES different eStargz images one by one
#   (`ctr-remote images rpull --snapshotter stargz`), after running a command in each (reads through FUSE), and
#   SETTLE seconds later (background fetch of the rest of the layers running or done).
# Each image is debootstrap minbase + busybox + a generated text layer (3000 files; converted once by `estargz
# convert`) over a layer of its own at the bottom (600 files), so no layer's chain ID is shared: the daemon mounts
# 4 layers per image; 6 images have 9 distinct layers and 13.7k TOC entries. Private registry (no slow link:
# memory, not speed), private containerd and daemon roots. When the reference daemon is built
# (../shared/reference-daemon/build-ref.sh) the same sequence runs on it too, on a fresh node, and the table shows
# both and the ratio. Goal (issue 11): the pair's peak <= 128 MiB, idle <= 80 MiB; 20 images within 10 %.
#   IMAGES=6 SETTLE=30 DAEMONS="ours ref" DAEMON_CONFIG="" THREADS=1 HISTO=1 JAVA_OPTS="... [-XX:NativeMemoryTracking=summary]" \
#       bench/run-daemon-rss-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
IMAGES=${IMAGES:-6}
SETTLE=${SETTLE:-30}
work=$(mktemp -d /tmp/estargz-rss.XXXXXX)
. "$root/bench/harness-lib.sh"
harness_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,snapshotter -am -DskipTests)
fi

start_registry
python3 "$root/bench/make-bench-image.py" "$work/layout" v1 "$(debootstrap_layer)" "$(busybox_layer)" "$(text_layer)"
push_layout "$work/layout" v1 "$reg/bench/src:v1"
"$root/bin/estargz" convert "$reg/bench/src:v1" "$reg/bench/base:v1" > "$work/convert.out"
lines=()
for i in $(seq "$IMAGES"); do
    mkdir -p "$work/own$i/etc" "$work/own$i/usr/share/bench"
    echo "image $i" > "$work/own$i/etc/bench-image"
    for f in $(seq 600); do echo "image $i file $f" > "$work/own$i/usr/share/bench/f$f"; done
    tar -C "$work/own$i" -cf "$work/own$i.tar" etc usr
    lines+=("$("$root/bin/estargz" convert --json "$work/own$i.tar" "$work/own$i.esgz")")
done
mapfile -t refs < <(python3 "$root/bench/make-variant-images.py" "$reg" bench/base:v1 bench/img "${lines[@]}")

# peak_kib PID: VmHWM (the most the process has ever been resident) from /proc/PID/status.
peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# pss_kib PID: proportional set size (pages shared with other processes, the two JVMs' class archive and libjvm above
# all, counted by share): what the process costs the node, where the sum of VmRSS counts shared pages twice.
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
threads_of() { awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# measure KIND: the whole sequence on a fresh node (containerd + daemon KIND, ours or ref); appends
# "KIND STEP RSS_KIB PEAK_KIB" rows (daemon + fuse-manager summed) to $results.
measure() {
    local kind=$1 dir=$work/node-$1 i out
    mkdir -p "$dir"
    start_daemon "$dir" "${DAEMON_CONFIG:-}" "$kind"
    local serving
    serving=$(python3 -c "print('%.3f' % ($(now) - $daemon_started))")
    echo "$kind: daemon serving $serving s after start"
    echo "$kind ready_s $serving 0 0" >> "$results"
    # idle is measured with the whole pair up: our fuse manager starts in the background and warms up
    [ "$kind" = ref ] || await_node_ready "$dir"
    start_containerd "$dir"
    report() {
        local fm rss peak line threads pss
        rss=$(vmrss_kib "$daemon_pid") peak=$(peak_kib "$daemon_pid") threads=$(threads_of "$daemon_pid") pss=$(pss_kib "$daemon_pid")
        line="$kind $1: daemon VmRSS $((rss / 1024)) MiB (VmHWM $((peak / 1024)) MiB)"
        fm=$(pids_serving "$dir" | head -1)
        if [ -n "$fm" ]; then
            line="$line; fuse-manager VmRSS $(( $(vmrss_kib "$fm") / 1024 )) MiB (VmHWM $(( $(peak_kib "$fm") / 1024 )) MiB)"
            rss=$((rss + $(vmrss_kib "$fm"))) peak=$((peak + $(peak_kib "$fm"))) threads="$threads + $(threads_of "$fm")"
            pss=$((pss + $(pss_kib "$fm")))
        fi
        echo "$line; PSS $((pss / 1024)) MiB; threads $threads; mounts $(grep -c " $dir/" /proc/self/mountinfo || true); load $(load_avg)"
        # THREADS=1: what the threads are (names with digits folded), Java threads by jcmd, the rest by /proc comm
        if [ -n "${THREADS:-}" ] && [ "$kind" = ours ]; then
            for p in "$daemon_pid" $fm; do
                echo "  threads of $p: $(cat /proc/$p/task/*/comm | sed 's/[0-9]\+/N/g' | sort | uniq -c | sort -rn | awk '{printf "%s %s; ", $1, $2}')"
            done
        fi
        # HISTO=1: the fuse manager's heap (live objects, after a full collection) by class, largest first
        if [ -n "${HISTO:-}" ] && [ -n "$fm" ]; then
            jcmd "$fm" GC.heap_info | sed -n '2,3p;/Metaspace/d'
            jcmd "$fm" GC.class_histogram | sed -n '4,15p'
        fi
        echo "$kind $2 $rss $peak $pss" >> "$results"
    }
    sleep 5
    report "idle" idle
    for i in $(seq "$IMAGES"); do
        "${ctr[@]}" images rpull --plain-http --snapshotter stargz "${refs[$((i - 1))]}" > /dev/null
        [ "$i" != "$IMAGES" ] || report "after rpull $i" pulled
    done
    for i in $(seq "$IMAGES"); do
        out=$("${ctr[@]}" run --rm --snapshotter stargz "${refs[$((i - 1))]}" "r$i" sh -c 'cat /etc/bench-image; ls /usr/bin | wc -l')
        [ "$(echo "$out" | head -1)" = "image $i" ] || { echo "error: $kind image $i printed: $out" >&2; exit 1; }
    done
    report "$IMAGES images pulled, one command run in each" run
    sleep "$SETTLE"
    report "$SETTLE s later" settled
    # With -XX:NativeMemoryTracking=summary in JAVA_OPTS (the fuse-manager inherits -X options): where the memory is.
    if [ "$kind" = ours ] && [[ "${JAVA_OPTS:-}" == *NativeMemoryTracking* ]]; then
        for p in "$daemon_pid" $(pids_serving "$dir"); do
            echo "native memory of $p (committed KB by category):"
            jcmd "$p" VM.native_memory summary | sed -n 's/^-  *\([A-Za-z][A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB).*/  \1 \2/p; s/^Total: reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/  Total \1/p'
        done
    fi
    stop_pid "$ctd_pid"
    stop_daemon "$dir"
}

results=$work/results.txt
kinds=${DAEMONS:-ours}
if [ -z "${DAEMONS:-}" ] && ref_daemon_present; then kinds="ours ref"; fi
for k in $kinds; do measure "$k"; done
echo "daemon JVM options: ${JAVA_OPTS:-the launcher defaults}; $IMAGES images, $(nproc) cores"
python3 - "$results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    kind, step, rss, peak, pss = line.split()
    rows.setdefault(step, {})[kind] = (float(rss), float(peak), float(pss))
kinds = sorted({k for r in rows.values() for k in r}, key=lambda k: k != 'ours')
print('\n| step | ' + ' | '.join('%s RSS MiB (peak) [PSS]' % k for k in kinds) + (' | ours / ref RSS (peak) [PSS] |' if 'ref' in kinds else ' |'))
print('|---' * (len(kinds) + 1 + ('ref' in kinds)) + '|')
for step in ['ready_s', 'idle', 'pulled', 'run', 'settled']:
    r = rows.get(step, {})
    if step == 'ready_s':
        cells = ['%.2f s' % r[k][0] if k in r else '' for k in kinds]
        ratio = ' %.2f |' % (r['ours'][0] / r['ref'][0]) if 'ref' in r and 'ours' in r and r['ref'][0] else ''
        print('| start to socket | ' + ' | '.join(cells) + ' |' + ratio)
        continue
    cells = ['%.0f (%.0f) [%.0f]' % (r[k][0] / 1024, r[k][1] / 1024, r[k][2] / 1024) if k in r else '' for k in kinds]
    ratio = ' %.2f (%.2f) [%.2f] |' % (r['ours'][0] / r['ref'][0], r['ours'][1] / r['ref'][1], r['ours'][2] / r['ref'][2]) \
        if 'ref' in r and 'ours' in r and r['ref'][2] else ''
    print('| %s | ' % step + ' | '.join(cells) + ' |' + ratio)
PY
