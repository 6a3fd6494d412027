# Shared by run-load-bench.sh and run-soak-bench.sh (source it after harness-lib.sh): IMAGES distinct eStargz
# images in the private registry, the daemon pair's memory, the chunk cache's size, and stopping this run's
# containers. Each image is debootstrap minbase + busybox + the generated text layer (converted once by
# `estargz convert`) over a layer of its own at the bottom (OWN_FILES files and /etc/bench-image naming it), so
# no layer's chain ID is shared between images (bench/make-variant-images.py).

OWN_FILES=600

# push_load_images N: builds and pushes the N images; sets the array $image_paths (bench/img:v1 ... :vN, without
# the registry's host, so they can be pulled through a link) and $base_layers (the three cached layers, bottom
# first, from which load-containers.py computes the expected checksums).
push_load_images() {
    local i f lines=()
    base_layers="$(debootstrap_layer) $(busybox_layer) $(text_layer)"
    # shellcheck disable=SC2086
    python3 "$root/bench/make-bench-image.py" "$work/layout" v1 $base_layers
    push_layout "$work/layout" v1 "$reg/bench/src:v1"
    "$root/bin/estargz" convert "$reg/bench/src:v1" "$reg/bench/base:v1" > "$work/convert.out"
    for i in $(seq "$1"); do
        mkdir -p "$work/own$i/etc" "$work/own$i/usr/share/bench"
        echo "image $i" > "$work/own$i/etc/bench-image"
        for f in $(seq "$OWN_FILES"); do echo "image $i file $f" > "$work/own$i/usr/share/bench/f$f"; done
        tar -C "$work/own$i" -cf "$work/own$i.tar" etc usr
        lines+=("$("$root/bin/estargz" convert --json "$work/own$i.tar" "$work/own$i.esgz")")
    done
    mapfile -t image_paths < <(python3 "$root/bench/make-variant-images.py" "$reg" bench/base:v1 bench/img "${lines[@]}")
    image_paths=("${image_paths[@]#"$reg"/}")
}

# pair_pids DIR: the daemon's pid and, for ours, that of the fuse manager serving DIR.
pair_pids() { echo "$daemon_pid" $(pids_serving "$1" | head -1); }
# status_kib FIELD PID...: the sum of a /proc/PID/status field (VmRSS, VmHWM) over the processes, in KiB.
status_kib() {
    local field=$1 p sum=0 v
    shift
    for p in "$@"; do
        v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || true)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}
# cache_kib: disk used by the chunk cache under $daemon_root (ours: stargz/fscache; the reference also keeps
# stargz/httpcache). Never the whole root: the layers' FUSE mounts are under it.
cache_kib() {
    local d sum=0 v
    for d in "$daemon_root/stargz/fscache" "$daemon_root/stargz/httpcache"; do
        [ -d "$d" ] || continue
        v=$(du -skx "$d" 2>/dev/null | cut -f1 || true)
        sum=$((sum + ${v:-0}))
    done
    echo "$sum"
}

# stop_containers: SIGKILL every task in this run's containerd namespace ($ctr) and remove its containers, so no
# container or shim outlives a run that stopped half-way. A no-op once containerd is gone.
stop_containers() {
    [ -n "${ctd_pid:-}" ] && [ -d "/proc/$ctd_pid" ] || return 0
    local t c
    for t in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks kill -s SIGKILL "$t" > /dev/null 2>&1 || true; done
    for _ in $(seq 100); do [ -z "$("${ctr[@]}" tasks ls -q 2>/dev/null)" ] && break; sleep 0.1; done
    for t in $("${ctr[@]}" tasks ls -q 2>/dev/null); do "${ctr[@]}" tasks rm -f "$t" > /dev/null 2>&1 || true; done
    for c in $("${ctr[@]}" containers ls -q 2>/dev/null); do "${ctr[@]}" containers rm "$c" > /dev/null 2>&1 || true; done
}

# load_traps: harness_traps, with this run's containers stopped before harness_cleanup stops containerd.
load_cleanup() {
    set +e
    stop_containers
    harness_cleanup
}
load_traps() {
    harness_traps
    trap load_cleanup EXIT
}
