#!/bin/bash
# End-to-end image conversion benchmark (not a test): the same multi-layer image (debootstrap minbase, busybox,
# and a generated text layer) converted registry -> registry
#   ours:      estargz convert SRC DST                                   (one JVM, download/convert/upload overlap)
#   reference: ctr-remote images pull --plain-http + images convert --estargz --oci + images push --plain-http
# against the same local docker-registry, at the same gzip level, in the same run, RUNS times each (fresh
# destination repositories and a fresh containerd root per reference run). Prints wall times, bytes uploaded
# and the ratio. Needs root (containerd), docker-registry, skopeo, ctr-remote, python3.
#   LEVEL=9 RUNS=2 SKIP_BUILD=1 bench/run-image-convert-bench.sh
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cache=${ESTARGZ_TEST_CACHE:-$HOME/.cache/estargz-test}
LEVEL=${LEVEL:-9}
RUNS=${RUNS:-2}
ESTARGZ=${ESTARGZ:-$root/bin/estargz}
work=$(mktemp -d /tmp/estargz-image-bench.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
now() { date +%s.%N; }
elapsed() { python3 -c "print('%.2f' % ($2 - $1))"; }
# CPU seconds (user + system) a process has used so far, and of this shell's finished children.
proc_cpu() { python3 -c "import os; f=open('/proc/$1/stat').read().rsplit(')',1)[1].split(); print((int(f[11])+int(f[12]))/os.sysconf('SC_CLK_TCK'))"; }
# Runs a command and adds the CPU seconds (user + system) it and its children used to the file $CPU_LOG.
cpu() { python3 -c '
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(os.environ["CPU_LOG"], "a").write("%f\n" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$@"; }
cpu_sum() { python3 -c "import sys; print('%.2f' % sum(float(l) for l in open(sys.argv[1]) if l.strip()))" "$1"; }

# --- layers (cached like the test fixtures) ---
busybox=$(ls "$cache"/busybox-*/layer.tar.gz 2>/dev/null | head -1 || true)
if [ -z "$busybox" ]; then
    busybox=$cache/busybox-bench/layer.tar.gz
    mkdir -p "$(dirname "$busybox")" && "$root/scripts/make-busybox-layer.sh" "$busybox"
fi
deboot=$cache/debootstrap-bookworm-minbase-v1/layer.tar.gz
if [ ! -f "$deboot" ]; then
    mkdir -p "$(dirname "$deboot")" && "$root/scripts/make-debootstrap-layer.sh" "$deboot"
fi
text=$cache/bench/text-layer-v1.tar.gz
if [ ! -f "$text" ]; then
    mkdir -p "$(dirname "$text")" && python3 "$root/bench/make-bench-image.py" --gen "$text.tmp" && mv "$text.tmp" "$text"
fi

if [ -z "${SKIP_BUILD:-}" ]; then
    (cd "$root" && ./mvnw -q -B install -pl converter/cli -am -DskipTests)
fi

# --- registry ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
cat > "$work/registry.yml" <<YML
version: 0.1
log:
  level: error
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
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

python3 "$root/bench/make-bench-image.py" "$work/layout" v1 "$deboot" "$busybox" "$text"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v1" "docker://$reg/bench/src:v1"
src_bytes=$(python3 -c "
import json,sys; m=json.load(open('$work/layout/blobs/sha256/'+json.load(open('$work/layout/index.json'))['manifests'][0]['digest'][7:]))
print(sum(l['size'] for l in m['layers']))")
echo "image: 3 layers, $src_bytes bytes compressed (debootstrap minbase, busybox, generated text); gzip level $LEVEL; $(nproc) cores"

uploaded_of() { # bytes of the blobs and manifest of $1 (repo:tag) as stored
    python3 - "$reg" "$1" <<'PY'
import json, sys, urllib.request
reg, ref = sys.argv[1], sys.argv[2]
repo, tag = ref.rsplit(':', 1)
req = urllib.request.Request('http://%s/v2/%s/manifests/%s' % (reg, repo, tag), headers={'Accept':
      'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'})
body = urllib.request.urlopen(req).read()
m = json.loads(body)
print(sum(l['size'] for l in m['layers']) + m['config']['size'] + len(body))
PY
}

results=()
for run in $(seq "$RUNS"); do
    # ours (CPU: the estargz JVM; the registry's CPU is left out for both sides)
    export CPU_LOG=$work/ours$run.cpu
    t0=$(now)
    cpu "$ESTARGZ" convert --json --compression-level "$LEVEL" "$reg/bench/src:v1" "$reg/bench/ours$run:v1" \
        > "$work/ours$run.json" 2> "$work/ours$run.err"
    t1=$(now)
    ours_t=$(elapsed "$t0" "$t1")
    ours_cpu=$(cpu_sum "$CPU_LOG")
    ours_up=$(python3 -c "import json; print(json.load(open('$work/ours$run.json'))['bytesUploaded'])")

    # reference, in a fresh private containerd
    ctd=$work/ctd$run
    mkdir -p "$ctd/root" "$ctd/state"
    cat > "$ctd/config.toml" <<TOML
version = 2
root = "$ctd/root"
state = "$ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$ctd/c.sock"
[ttrpc]
  address = "$ctd/c.sock.ttrpc"
[debug]
  address = "$ctd/c.sock.debug"
TOML
    containerd --config "$ctd/config.toml" > "$ctd/log" 2>&1 &
    cpid=$!
    pids+=($cpid)
    for _ in $(seq 200); do ctr-remote -a "$ctd/c.sock" version > /dev/null 2>&1 && break; sleep 0.1; done
    ctr=(ctr-remote -a "$ctd/c.sock" -n bench$run)
    export CPU_LOG=$work/ref$run.cpu
    d0=$(proc_cpu "$cpid")
    t0=$(now)
    cpu "${ctr[@]}" images pull --plain-http "$reg/bench/src:v1" > /dev/null
    t1=$(now)
    cpu "${ctr[@]}" images convert --estargz --oci --estargz-compression-level "$LEVEL" \
        "$reg/bench/src:v1" "$reg/bench/ref$run:v1" > /dev/null
    t2=$(now)
    cpu "${ctr[@]}" images push --plain-http "$reg/bench/ref$run:v1" > /dev/null
    t3=$(now)
    d1=$(proc_cpu "$cpid")
    ref_cpu=$(python3 -c "print('%.2f' % ($(cpu_sum "$CPU_LOG") + $d1 - $d0))")
    kill "$cpid"; wait "$cpid" 2>/dev/null || true
    ref_t=$(elapsed "$t0" "$t3")
    ref_up=$(uploaded_of "bench/ref$run:v1")
    echo "run $run: ours ${ours_t}s wall, ${ours_cpu}s CPU (uploaded $ours_up bytes) | reference ${ref_t}s wall" \
         "= pull $(elapsed "$t0" "$t1")s + convert $(elapsed "$t1" "$t2")s + push $(elapsed "$t2" "$t3")s," \
         "${ref_cpu}s CPU with containerd (uploaded $ref_up bytes) | load $(cut -d' ' -f1 /proc/loadavg)"
    results+=("$ours_t $ref_t $ours_up $ref_up $ours_cpu $ref_cpu")
done
printf '%s\n' "${results[@]}" | python3 -c "
import sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
o = min(r[0] for r in rows); f = min(r[1] for r in rows)
oc = min(r[4] for r in rows); fc = min(r[5] for r in rows)
print('best of %d: ours %.2fs, reference %.2fs: ours is %.2fx faster end to end (wall; noisy on a shared machine);'
      ' CPU ours %.1fs, reference %.1fs: %.2fx; bytes uploaded ours/reference = %.3f'
      % (len(rows), o, f, f / o, oc, fc, fc / oc, rows[-1][2] / rows[-1][3]))"
