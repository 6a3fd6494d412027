#!/bin/bash
# FUSE read benchmark (not a test): `estargz mount` (a real FUSE mount of one eStargz layer, its blob served by a
# private docker-registry through the simulated slow link) against the link itself and the same files unpacked
# on the local disk, in the same run. The image holds two layers converted by `estargz convert`: the cached
# debootstrap minbase layer (~200 MB of files) and one file of 100 MiB random bytes. Every cold measurement uses a
# fresh mount, a fresh chunk cache and a fresh link (so the link's byte counters belong to it); prefetch and
# background fetch are off so only the measured reads fetch.
#   cold first byte: open + read(1) of FILES files spread over the debootstrap layer, vs a 1-byte range GET
#                    on a kept-alive connection through the same link (the best one round trip can do)
#   cold in order:   the 100 MiB file read start to end, and every debootstrap file read in blob order, as % of
#                    the link's bandwidth (blob bytes / time)
#   warm:            sequential and random 4 KiB reads, FUSE (same mount: page cache; remount: chunk cache only)
#                    vs the local copy (page cache)
#   RTT_MS=20 MBIT=100 FILES=15 RANDOM_READS=20000 bench/run-fuse-read-bench.sh
# Needs root (FUSE), docker-registry, skopeo, python3, fuse; the built CLI and bench (BUILD=1 builds them).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
RTT_MS=${RTT_MS:-20}
MBIT=${MBIT:-100}
FILES=${FILES:-15}
RANDOM_READS=${RANDOM_READS:-20000}
work=$(mktemp -d /tmp/estargz-fuseread.XXXXXX)
. "$root/bench/harness-lib.sh"
harness_traps
if [ -n "${BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli,bench -am -DskipTests)
fi
driver() { python3 "$root/bench/fuse-read-driver.py" "$@"; }
field() { python3 -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

# --- layers and image ---
big=$cache/bench/random-100m-v1.tar.gz
if [ ! -f "$big" ]; then
    mkdir -p "$(dirname "$big")"
    python3 - "$big.tmp" <<'PY'
import gzip, io, random, sys, tarfile
data = random.Random(100).randbytes(100 << 20)
with gzip.open(sys.argv[1], 'wb', compresslevel=1) as gz, tarfile.open(fileobj=gz, mode='w|') as tar:
    info = tarfile.TarInfo('big.bin'); info.size = len(data); info.mtime = 1700000000
    tar.addfile(info, io.BytesIO(data))
PY
    mv "$big.tmp" "$big"
fi
deboot=$(debootstrap_layer)
start_registry
python3 "$root/bench/make-bench-image.py" "$work/layout" v1 "$deboot" "$big"
push_layout "$work/layout" v1 "$reg/bench/fuse-src:v1"
"$root/bin/estargz" convert "$reg/bench/fuse-src:v1" "$reg/bench/fuse:v1" > "$work/convert.out"
read -r deboot_digest deboot_size big_digest big_size < <(python3 - "$reg" <<'PY'
import json, sys, urllib.request
req = urllib.request.Request('http://%s/v2/bench/fuse/manifests/v1' % sys.argv[1],
                             headers={'Accept': 'application/vnd.oci.image.manifest.v1+json'})
layers = json.load(urllib.request.urlopen(req))['layers']
print(' '.join('%s %d' % (l['digest'], l['size']) for l in layers))
PY
)
for d in "$deboot_digest" "$big_digest"; do
    curl -sf -o "$work/${d#sha256:}.blob" "http://$reg/v2/bench/fuse/blobs/$d"
done
driver files "$work/${deboot_digest#sha256:}.blob" > "$work/deboot.list"
mkdir -p "$work/local"
tar -xzf "$deboot" -C "$work/local"
tar -xzf "$big" -C "$work/local"
link_bps=$(python3 -c "print($MBIT * 1e6 / 8)")
echo "layers: debootstrap $deboot_size bytes eStargz ($(wc -l < "$work/deboot.list") files), random $big_size bytes;" \
     "link RTT ${RTT_MS} ms, ${MBIT} Mbit/s; $(nproc) cores; load $(load_avg)"

# mount NAME DIGEST CACHE_DIR: estargz mount of one layer through $link; waits until mounted; sets $mnt, $mount_pid.
mount_layer() {
    mnt=$work/mnt-$1
    mkdir -p "$mnt" "$3"
    "$root/bin/estargz" mount --no-prefetch --no-background-fetch --cache-dir "$3" --layer "$2" \
        "$link/bench/fuse:v1" "$mnt" > "$work/mount-$1.log" 2>&1 &
    mount_pid=$!
    pids+=($mount_pid)
    for _ in $(seq 600); do
        grep -q " $mnt " /proc/self/mountinfo && return 0
        kill -0 "$mount_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "error: estargz mount of $2 failed:" >&2; cat "$work/mount-$1.log" >&2; exit 1
}
unmount_layer() { stop_pid "$mount_pid"; }
pct() { python3 -c "print('%.1f' % ($1 / $2 / $link_bps * 100))"; }

# --- cold first byte ---
start_link first "$reg"
base=$(driver range-get "$link" bench/fuse "$deboot_digest" 10)
mount_layer first "$deboot_digest" "$work/cache-first"
fb=$(driver first-byte "$mnt" "$work/deboot.list" "$FILES")
[ -n "${VERBOSE:-}" ] && python3 -c "import json, sys; [print('  %8.1f ms %10d bytes %s' % (e['ms'], e['size'], e['path'])) for e in json.loads(sys.argv[1])['each']]" "$fb"
unmount_layer
stop_link first
fb_ms=$(field "$fb" median_ms); base_ms=$(field "$base" median_ms)
echo "cold first byte: median $(printf %.1f "$fb_ms") ms = $(python3 -c "print('%.2f' % ($fb_ms / $RTT_MS))") RTT" \
     "(min $(printf %.1f "$(field "$fb" min_ms)"), max $(printf %.1f "$(field "$fb" max_ms)") ms, $FILES files);" \
     "1-byte range GET on a kept-alive connection $(printf %.1f "$base_ms") ms =" \
     "$(python3 -c "print('%.2f' % ($base_ms / $RTT_MS))") RTT; ours / range GET = $(python3 -c "print('%.2f' % ($fb_ms / $base_ms))");" \
     "link $link_conns connections, $link_down bytes down (mount included)"

# --- cold whole layer in order, then warm in the same mount (page cache) ---
start_link bigcold "$reg"
mount_layer bigcold "$big_digest" "$work/cache-big"
cold=$(driver seq "$mnt/big.bin")
warm_seq=$(driver seq "$mnt/big.bin")
warm_rand=$(driver random "$mnt/big.bin" "$RANDOM_READS")
unmount_layer
stop_link bigcold
echo "cold 100 MiB file in order: $(printf %.2f "$(field "$cold" seconds)") s = $(pct "$big_size" "$(field "$cold" seconds)") %" \
     "of the link (blob bytes / time); link $link_conns connections, $link_down bytes down (blob $big_size)"

start_link debcold "$reg"
mount_layer debcold "$deboot_digest" "$work/cache-deb"
dcold=$(driver read-all "$mnt" "$work/deboot.list")
unmount_layer
stop_link debcold
echo "cold debootstrap layer, every file in blob order: $(printf %.2f "$(field "$dcold" seconds)") s =" \
     "$(pct "$deboot_size" "$(field "$dcold" seconds)") % of the link; link $link_conns connections, $link_down bytes down" \
     "(blob $deboot_size); load $(load_avg)"

# --- warm: remounted over the filled chunk cache (kernel page cache of the mount gone), and local disk ---
start_link warm "$reg"
mount_layer bigwarm "$big_digest" "$work/cache-big"
re_seq=$(driver seq "$mnt/big.bin")
re_rand=$(driver random "$mnt/big.bin" "$RANDOM_READS")
unmount_layer
mount_layer debwarm "$deboot_digest" "$work/cache-deb"
re_all=$(driver read-all "$mnt" "$work/deboot.list")
unmount_layer
stop_link warm
driver seq "$work/local/big.bin" > /dev/null
loc_seq=$(driver seq "$work/local/big.bin")
loc_rand=$(driver random "$work/local/big.bin" "$RANDOM_READS")
driver read-all "$work/local" "$work/deboot.list" > /dev/null
loc_all=$(driver read-all "$work/local" "$work/deboot.list")
python3 - "$warm_seq" "$warm_rand" "$re_seq" "$re_rand" "$re_all" "$loc_seq" "$loc_rand" "$loc_all" "$link_down" <<'PY'
import json, sys
ws, wr, rs, rr, ra, ls, lr, la = (json.loads(a) for a in sys.argv[1:9])
mbps = lambda r: r['bytes'] / r['seconds'] / 1e6
print('warm reads (local = the same files unpacked with tar, page cache warm):')
print('  %-44s %10s %10s %8s' % ('', 'FUSE', 'local', 'ratio'))
print('  %-44s %10.0f %10.0f %8.2f' % ('sequential 100 MiB, same mount (MB/s)', ws['mb_per_s'], ls['mb_per_s'], ws['mb_per_s'] / ls['mb_per_s']))
print('  %-44s %10.0f %10.0f %8.2f' % ('random 4 KiB, same mount (reads/s)', wr['reads_per_s'], lr['reads_per_s'], wr['reads_per_s'] / lr['reads_per_s']))
print('  %-44s %10.0f %10.0f %8.2f' % ('sequential 100 MiB, remounted (MB/s)', rs['mb_per_s'], ls['mb_per_s'], rs['mb_per_s'] / ls['mb_per_s']))
print('  %-44s %10.0f %10.0f %8.2f' % ('random 4 KiB, remounted (reads/s)', rr['reads_per_s'], lr['reads_per_s'], rr['reads_per_s'] / lr['reads_per_s']))
print('  %-44s %10.0f %10.0f %8.2f' % ('debootstrap files in order, remounted (MB/s)', mbps(ra), mbps(la), mbps(ra) / mbps(la)))
print('  bytes down the link while remounted (TOC etc.): %s' % sys.argv[9])
PY
echo "load $(load_avg)"
