#!/bin/bash
# Soak benchmark (not a test, not in CI): random reads over lazily mounted layers for SOAK_MINUTES, watching the
# daemon pair's memory and the chunk cache. The IMAGES images of run-load-bench.sh (load-lib.sh) are pulled
# lazily through the simulated slow link on a fresh node (private containerd, the daemon with the default config),
# then SOAK_CONTAINERS containers (container c from image c mod IMAGES) loop until stopped: READS random regular
# files of /usr, /srv and /etc per batch, from each a 64 KiB `dd` at a random 4 KiB-aligned offset, then PAUSE_S
# seconds of rest. Every SAMPLE_S seconds: VmRSS of the daemon + its fuse manager (summed), the disk used by the
# chunk cache (du of <root>/stargz/fscache), batches done, failed reads. At the end a container per image checks
# its files' checksums (load-containers.py) and the table says whether RSS and cache stayed flat: the largest
# sample of the last third within FLAT_PCT % of the largest of the first third (the sample at 0 s excluded).
#   SOAK_MINUTES=30 SAMPLE_S=30 IMAGES=8 SOAK_CONTAINERS=8 READS=20 PAUSE_S=1 RTT_MS=20 MBIT=100 DAEMON=ours \
#       bench/run-soak-bench.sh
# Needs root (containerd, runc, FUSE), docker-registry, skopeo, ctr-remote, python3 and the built jars (BUILD=1).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
SOAK_MINUTES=${SOAK_MINUTES:-30}
SAMPLE_S=${SAMPLE_S:-30}
IMAGES=${IMAGES:-8}
SOAK_CONTAINERS=${SOAK_CONTAINERS:-8}
READS=${READS:-20}
PAUSE_S=${PAUSE_S:-1}
FLAT_PCT=${FLAT_PCT:-10}
RTT_MS=${RTT_MS:-20}
MBIT=${MBIT:-100}
DAEMON=${DAEMON:-ours}
work=$(mktemp -d /tmp/estargz-soak.XXXXXX)
. "$root/bench/harness-lib.sh"
. "$root/bench/load-lib.sh"
load_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,snapshotter,bench -am -DskipTests)
fi

start_registry
push_load_images "$IMAGES"
dir=$work/node
mkdir -p "$dir"
start_daemon "$dir" "${DAEMON_CONFIG:-}" "$DAEMON"
[ "$DAEMON" = ref ] || await_node_ready "$dir"
start_containerd "$dir"
start_link soak "$reg"
refs=()
for p in "${image_paths[@]}"; do refs+=("$link/$p"); done
for p in "${refs[@]}"; do "${ctr[@]}" images rpull --plain-http --snapshotter stargz "$p" > /dev/null; done
echo "$DAEMON daemon, $IMAGES images pulled lazily; $SOAK_CONTAINERS containers reading for $SOAK_MINUTES min" \
     "($READS random 64 KiB reads per batch, $PAUSE_S s between batches); link RTT $RTT_MS ms, $MBIT Mbit/s;" \
     "$(nproc) cores; load $(load_avg)"

# busybox sh in the container; find, shuf, stat and dd are debootstrap's
loop="find /usr /srv /etc -xdev -type f > /tmp/files; echo files \$(wc -l < /tmp/files); n=0
while true; do
    shuf -n $READS /tmp/files > /tmp/batch
    while read -r f; do
        o=\$(shuf -i 0-\$((\$(stat -c %s \"\$f\") / 4096)) -n 1)
        dd if=\"\$f\" of=/dev/null bs=4096 skip=\$o count=16 2>/dev/null || echo \"failed \$f\"
    done < /tmp/batch
    n=\$((n + 1)); echo batch \$n
    sleep $PAUSE_S
done"
for c in $(seq 0 $((SOAK_CONTAINERS - 1))); do
    "${ctr[@]}" run --rm --snapshotter stargz "${refs[$((c % IMAGES))]}" "soak-$c" sh -c "$loop" \
        > "$work/soak-$c.out" 2>&1 &
    pids+=($!)
done

samples=$work/samples.txt
t0=$(now)
end=$(python3 -c "print($t0 + $SOAK_MINUTES * 60)")
while :; do
    t=$(python3 -c "print('%.0f' % ($(now) - $t0))")
    # shellcheck disable=SC2046
    echo "$t $(status_kib VmRSS $(pair_pids "$dir")) $(cache_kib) $(cat "$work"/soak-*.out | grep -c '^batch ' || true)" \
         "$(cat "$work"/soak-*.out | grep -c '^failed ' || true) $(load_avg)" | tee -a "$samples"
    python3 -c "import sys; sys.exit(0 if $(now) + $SAMPLE_S <= $end else 1)" || break
    sleep "$SAMPLE_S"
done
running=$("${ctr[@]}" tasks ls -q | wc -l)
stop_containers

# the bytes are still right after the soak
# shellcheck disable=SC2086
check=$(python3 "$root/bench/load-containers.py" "$work" "$IMAGES" "$OWN_FILES" $base_layers "${refs[@]}" \
    -- "${ctr[@]}" | sed -n 's/^result //p')
stop_link soak

echo "containers still running at the end: $running of $SOAK_CONTAINERS; link: $link_conns connections," \
     "$link_down bytes down; then a container per image checked its files: $check"
python3 - "$samples" "$FLAT_PCT" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
pct = float(sys.argv[2])
print('\n| t s | pair RSS MiB | chunk cache MiB | batches | failed reads | load |')
print('|---|---|---|---|---|---|')
for t, rss, cache, batches, failed, *load in rows:
    print('| %s | %.0f | %.0f | %s | %s | %s |' % (t, int(rss) / 1024, int(cache) / 1024, batches, failed, ' '.join(load)))
s = rows[1:]
third = max(1, len(s) // 3)
for name, col in (('pair RSS', 1), ('chunk cache', 2)):
    first = max(int(r[col]) for r in s[:third])
    last = max(int(r[col]) for r in s[-third:])
    flat = last <= first * (1 + pct / 100)
    print('%s: first third max %.0f MiB, last third max %.0f MiB (%+.1f %%): %s'
          % (name, first / 1024, last / 1024, 100 * (last - first) / first if first else 0,
             'flat' if flat else 'NOT flat (grew more than %g %%)' % pct))
PY
