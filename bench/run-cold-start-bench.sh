#!/bin/bash
# Cold-start benchmark (not a test): time from the start of a pull to the container's first line of output,
#   legacy: ctr images pull --plain-http (overlayfs snapshotter, whole image) + ctr run
#   lazy:   ctr-remote images rpull --plain-http --snapshotter stargz (our daemon) + ctr run --snapshotter stargz
# for an image of the cached debootstrap minbase layer + busybox on top, pushed to a private docker-registry as
# plain gzip (legacy) and as eStargz made by `estargz convert` registry -> registry (lazy; "lazy-opt" is the same
# conversion with --prioritized-files naming what the command reads; "optimized" is `estargz optimize` profiling
# the command itself). The registry is reached through the
# simulated slow link (bench/.../SlowLinkMain), one fresh link per sample so its byte counters belong to it.
# Every sample gets a fresh containerd root/state/namespace and (lazy) a fresh daemon root, all under one
# scratch directory. Samples interleave the variants. Prints medians per phase and lazy/legacy ratios.
#   RTT_MS=20 MBIT=100 SAMPLES=3 VARIANTS="legacy lazy lazy-opt optimized" bench/run-cold-start-bench.sh
# Needs root (containerd, runc, FUSE), docker-registry, skopeo, ctr-remote, python3, and the built jars:
#   ./mvnw -q -B install -pl converter/cli,snapshotter,bench -am -DskipTests (or BUILD=1)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
RTT_MS=${RTT_MS:-20}
MBIT=${MBIT:-100}
SAMPLES=${SAMPLES:-3}
VARIANTS=${VARIANTS:-legacy lazy lazy-opt optimized}
# which daemons serve the lazy variants: ours, and the reference when it is built (ref; see harness-lib.sh); add
# "base" with BASE_ROOT=<another checkout, built> to compare two builds of ours in the same run
if [ -z "${DAEMONS:-}" ]; then
    DAEMONS=ours
    if [ -x "${REF_DAEMON:-/opt/stargz-ref/bin/containerd-stargz-grpc}" ]; then DAEMONS="ours ref"; fi
fi
CMD=${CMD:-cat /etc/os-release; ls /usr/bin | wc -l}
work=$(mktemp -d /tmp/estargz-coldstart.XXXXXX)
. "$root/bench/harness-lib.sh"
harness_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,snapshotter,bench -am -DskipTests)
fi

# Runs a command and prints "<epoch at its start> <epoch of its first stdout line> <epoch at exit>"; its output goes
# to $1. The start is taken right before the command is spawned, so the interpreter's own start is not counted.
first_output() {
    local out=$1; shift
    python3 - "$out" "$@" <<'PY'
import subprocess, sys, time
out = open(sys.argv[1], 'wb')
start = time.time()
p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
first = None
for line in p.stdout:
    if first is None:
        first = time.time()
    out.write(line)
rc = p.wait()
end = time.time()
if rc != 0:
    sys.exit('command failed (%d): %s' % (rc, ' '.join(sys.argv[2:])))
print('%.6f %.6f %.6f' % (start, first if first is not None else end, end))
PY
}

# --- image: debootstrap minbase below, busybox above (its /bin/sh) ---
start_registry
python3 "$root/bench/make-bench-image.py" "$work/layout" v1 "$(debootstrap_layer)" "$(busybox_layer)"
push_layout "$work/layout" v1 "$reg/bench/legacy:v1"
printf '%s\n' bin/sh bin/busybox etc/os-release usr/lib/os-release etc/ld.so.cache usr/bin/cat usr/bin/ls \
    usr/bin/wc usr/lib64/ld-linux-x86-64.so.2 usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 \
    usr/lib/x86_64-linux-gnu/libc.so.6 usr/lib/x86_64-linux-gnu/libselinux.so.1 \
    usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2 > "$work/prioritized.txt"
t0=$(now)
"$root/bin/estargz" convert "$reg/bench/legacy:v1" "$reg/bench/lazy:v1" > "$work/convert.out"
t1=$(now)
case " $VARIANTS " in *" lazy-opt "*)
    "$root/bin/estargz" convert --prioritized-files "$work/prioritized.txt" "$reg/bench/legacy:v1" \
        "$reg/bench/lazy-opt:v1" > "$work/convert-opt.out" ;;
esac
case " $VARIANTS " in *" optimized "*)
    # the same command profiled by `estargz optimize` instead of a hand-made list
    t2=$(now)
    "$root/bin/estargz" optimize --entrypoint '[]' \
        --args "$(python3 -c 'import json, sys; print(json.dumps(["sh", "-c", sys.argv[1]]))' "$CMD")" \
        --record-out "$work/optimize-record.json" "$reg/bench/legacy:v1" "$reg/bench/optimized:v1" \
        > "$work/convert-optimized.out" 2> "$work/optimize.err"
    echo "estargz optimize took $(python3 -c "print('%.1f' % ($(now) - $t2))") s and recorded" \
         "$(wc -l < "$work/optimize-record.json") opened files" ;;
esac
echo "image: debootstrap minbase + busybox, $(python3 -c "import os; print(os.path.getsize('$(debootstrap_layer)') + os.path.getsize('$(busybox_layer)'))") bytes gzip;" \
     "estargz convert took $(python3 -c "print('%.1f' % ($t1 - $t0))") s; link RTT ${RTT_MS} ms, ${MBIT} Mbit/s;" \
     "$(nproc) cores; load $(load_avg)"
echo "command: sh -c '$CMD'"

# --- samples ---
results=$work/results.txt
for s in $(seq "$SAMPLES"); do
    for run in $(for v in $VARIANTS; do
                     if [ "$v" = legacy ]; then echo legacy; else for d in $DAEMONS; do echo "$v@$d"; done; fi
                 done); do
        v=${run%@*} d=${run#*@}
        dir=$work/s$s-${run/@/-}
        mkdir -p "$dir"
        daemon_sock= daemon_root=
        if [ "$v" != legacy ]; then
            start_daemon "$dir" "${DAEMON_CONFIG:-}" "$d"
            [ "$d" = ref ] || await_node_ready "$dir"
        fi
        start_containerd "$dir"
        start_link "s$s-${run/@/-}" "$reg"
        ref=$link/bench/$v:v1
        t0=$(now)
        if [ "$v" = legacy ]; then
            "${ctr[@]}" images pull --plain-http "$ref" > "$dir/pull.out"
            t1=$(now)
            read -r start first end < <(first_output "$dir/run.out" "${ctr[@]}" run --rm "$ref" "c$s" sh -c "$CMD")
        else
            "${ctr[@]}" images rpull --plain-http --snapshotter stargz "$ref" > "$dir/pull.out"
            t1=$(now)
            read -r start first end < <(first_output "$dir/run.out" "${ctr[@]}" run --rm --snapshotter stargz "$ref" \
                "c$s" sh -c "$CMD")
        fi
        stop_link "s$s-${run/@/-}"
        grep -q PRETTY_NAME "$dir/run.out" || { echo "error: $run sample $s: unexpected output:" >&2; cat "$dir/run.out" >&2; exit 1; }
        pull=$(python3 -c "print('%.3f' % ($t1 - $t0))")
        # the run from ctr's start; the harness's own steps between pull and run are left out of both figures
        run_s=$(python3 -c "print('%.3f' % ($first - $start))")
        total=$(python3 -c "print('%.3f' % ($t1 - $t0 + $first - $start))")
        echo "sample $s $run: pull ${pull}s, run to first output ${run_s}s, total ${total}s;" \
             "link: $link_conns connections, $link_down bytes down, $link_up up (until the link closed after the run); load $(load_avg)"
        echo "$run $pull $run_s $total $link_down" >> "$results"
        # tear down: containerd first (it stops using the snapshotter), then the daemon (unmounts its layers)
        stop_pid "$ctd_pid"
        if [ "$v" != legacy ]; then stop_daemon "$dir"; fi
    done
done

python3 - "$results" "$RTT_MS" "$MBIT" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
by = {}
for v, *nums in rows:
    by.setdefault(v, []).append([float(x) for x in nums])
med = {v: [statistics.median(r[i] for r in rs) for i in range(4)] for v, rs in by.items()}
print('\nmedians of %d samples (RTT %s ms, %s Mbit/s):' % (len(next(iter(by.values()))), sys.argv[2], sys.argv[3]))
print('%-16s %9s %22s %9s %14s' % ('variant', 'pull s', 'run to first output s', 'total s', 'MB over link'))
for v, m in med.items():
    print('%-16s %9.2f %22.2f %9.2f %14.1f' % (v, m[0], m[1], m[2], m[3] / 1e6))
for v, m in med.items():
    variant, _, kind = v.partition('@')
    if kind in ('ours', 'base') and variant + '@ref' in med:
        R = med[variant + '@ref']
        print('%s %s / reference: pull %.3f, run %.2f, total %.3f, bytes %.3f' % (variant, kind, m[0] / R[0],
              m[1] / R[1], m[2] / R[2], m[3] / R[3]))
if 'legacy' in med:
    L = med['legacy']
    for v, m in med.items():
        if v != 'legacy':
            print('%s / legacy: pull %.3f, run %.2f, total %.3f, bytes %.3f' % (v, m[0] / L[0], m[1] / L[1],
                  m[2] / L[2], m[3] / L[3]))
PY
