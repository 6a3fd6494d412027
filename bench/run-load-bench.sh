#!/bin/bash
# Load benchmark (not a test, not in CI): CONTAINERS containers started at once from IMAGES lazily pulled eStargz
# images through the simulated slow link. IMAGES distinct images (load-lib.sh: a shared base converted once by
# `estargz convert` + a small layer of each image's own) go to a private registry; on a fresh node (private
# containerd, our daemon with the default config) the images are pulled one after the other with
# `ctr-remote images rpull --snapshotter stargz` through the link, then all containers start at once
# (`ctr run --rm --snapshotter stargz`, CONTAINERS / IMAGES per image), each printing its image's marker file and
# `sha256sum` of seven files it reads (load-containers.py checks every output against checksums of the layer
# tarballs). Prints: containers right, wall time to all done, p50/p95/max from `ctr run` to first output, bytes
# over the link (from the first rpull to the last exit, background fetch included), the daemon pair's peak RSS
# (VmHWM of the daemon + its fuse manager, summed). When the reference daemon is built (harness-lib.sh
# ref_daemon_present) the same runs on it on another fresh node, and both columns are printed.
#   IMAGES=8 CONTAINERS=32 RTT_MS=20 MBIT=100 DAEMONS="ours ref" DAEMON_CONFIG="" bench/run-load-bench.sh
# Needs root (containerd, runc, FUSE), docker-registry, skopeo, ctr-remote, python3 and the built jars (BUILD=1).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
IMAGES=${IMAGES:-8}
CONTAINERS=${CONTAINERS:-32}
RTT_MS=${RTT_MS:-20}
MBIT=${MBIT:-100}
work=$(mktemp -d /tmp/estargz-load.XXXXXX)
. "$root/bench/harness-lib.sh"
. "$root/bench/load-lib.sh"
load_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,snapshotter,bench -am -DskipTests)
fi
kinds=${DAEMONS:-ours}
if [ -z "${DAEMONS:-}" ] && ref_daemon_present; then kinds="ours ref"; fi

start_registry
t0=$(now)
push_load_images "$IMAGES"
echo "$IMAGES images pushed in $(python3 -c "print('%.0f' % ($(now) - $t0))") s; link RTT $RTT_MS ms, $MBIT Mbit/s;" \
     "$CONTAINERS containers; $(nproc) cores; load $(load_avg)"

results=$work/results.txt
# measure KIND: one fresh node (daemon KIND + containerd), the pulls and the containers; appends
# "KIND OK OF WALL P50 P95 MAX PULL_S LINK_DOWN LINK_UP PEAK_KIB" to $results.
measure() {
    local kind=$1 dir=$work/node-$1 p refs=() t_pull t_run summary peak
    mkdir -p "$dir"
    start_daemon "$dir" "${DAEMON_CONFIG:-}" "$kind"
    [ "$kind" = ref ] || await_node_ready "$dir"
    start_containerd "$dir"
    start_link "$kind" "$reg"
    for p in "${image_paths[@]}"; do refs+=("$link/$p"); done
    t_pull=$(now)
    for p in "${refs[@]}"; do "${ctr[@]}" images rpull --plain-http --snapshotter stargz "$p" > /dev/null; done
    t_run=$(now)
    echo "$kind: $IMAGES images pulled lazily in $(python3 -c "print('%.1f' % ($t_run - $t_pull))") s; load $(load_avg)"
    # shellcheck disable=SC2086
    summary=$(python3 "$root/bench/load-containers.py" "$dir" "$CONTAINERS" "$OWN_FILES" $base_layers "${refs[@]}" \
        -- "${ctr[@]}" | sed -n 's/^result //p')
    # shellcheck disable=SC2046
    peak=$(status_kib VmHWM $(pair_pids "$dir"))
    stop_link "$kind"
    echo "$kind: $summary; link $link_conns connections, $link_down bytes down, $link_up up; pair peak RSS" \
         "$((peak / 1024)) MiB; load $(load_avg)"
    # shellcheck disable=SC2086
    echo "$kind $(echo $summary | sed 's/[a-z0-9_]*=//g') $(python3 -c "print('%.1f' % ($t_run - $t_pull))") $link_down $link_up $peak" \
        >> "$results"
    stop_containers
    stop_pid "$ctd_pid"
    stop_daemon "$dir"
}
for k in $kinds; do measure "$k"; done

python3 - "$results" "$IMAGES" "$CONTAINERS" "$RTT_MS" "$MBIT" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    kind, *v = line.split()
    rows[kind] = [float(x) for x in v]
kinds = sorted(rows, key=lambda k: k != 'ours')
print('\n%s images, %s containers at once, link RTT %s ms, %s Mbit/s:' % tuple(sys.argv[2:6]))
print('| | ' + ' | '.join(kinds) + ' |' + (' ours / ref |' if len(kinds) == 2 else ''))
print('|---' * (len(kinds) + 1 + (len(kinds) == 2)) + '|')
def row(name, fmt, f, ratio=True):
    cells = [fmt % f(rows[k]) for k in kinds]
    r = ''
    if len(kinds) == 2 and ratio:
        a, b = f(rows[kinds[0]]), f(rows[kinds[1]])
        r = ' %.2f |' % (a / b) if b else ' |'
    elif len(kinds) == 2:
        r = ' |'
    print('| %s | ' % name + ' | '.join(cells) + ' |' + r)
row('containers right', '%s', lambda v: '%d of %d' % (v[0], v[1]), ratio=False)
row('lazy pull of the images, one by one', '%.1f s', lambda v: v[6])
row('wall time, first start to last exit', '%.1f s', lambda v: v[2])
row('`ctr run` to first output, p50', '%.2f s', lambda v: v[3])
row('`ctr run` to first output, p95', '%.2f s', lambda v: v[4])
row('`ctr run` to first output, max', '%.2f s', lambda v: v[5])
row('MB over the link (down), pulls to last exit', '%.1f', lambda v: v[7] / 1e6)
row('daemon (+ fuse manager) peak RSS, MiB', '%.0f', lambda v: v[9] / 1024)
PY
if awk '$2 != $3 {bad = 1} END {exit !bad}' "$results"; then echo "error: some containers failed or printed wrong output" >&2; exit 1; fi
