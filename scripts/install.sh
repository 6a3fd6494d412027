#!/bin/bash
# Installs estargz as a node service, self-contained (the node needs no JDK), or removes it again:
#   PREFIX/lib/snapshotter, PREFIX/lib/estargz-cli   the jars with their lib/ (built first when missing)
#   PREFIX/runtime                                   a jlinked Java runtime of the modules the jars use (jdeps)
#   PREFIX/bin                                       the launchers of bin/ and the files they source, unchanged
#   SYSTEMD_DIR/estargz-*.service                    deploy/systemd, with PREFIX and ETC_DIR written in
#   ETC_DIR/config.toml                              deploy/config.toml, only when there is none (never overwritten)
# Running it again brings the install up to date and changes nothing when nothing changed. --uninstall removes what
# the install's record (PREFIX/.installed) lists, the class-data archives the daemon wrote next to its jars included;
# config.toml stays unless --purge.
set -euo pipefail

usage() {
    cat <<EOF
usage: $0 [--prefix DIR] [--etc-dir DIR] [--systemd-dir DIR] [--runtime-cache DIR] [--uninstall [--purge]]
  --prefix DIR         where the runtime, jars and launchers go (default /opt/estargz)
  --etc-dir DIR        where the starter config.toml goes (default /etc/containerd-stargz-grpc)
  --systemd-dir DIR    where the units go (default /etc/systemd/system; systemctl is used only for this one)
  --runtime-cache DIR  keep jlinked runtimes here (by JDK and module list) and the module lists (by JDK and jars),
                       and copy them instead of running jlink and jdeps again
  --uninstall          remove what an install into --prefix put in place, but config.toml
  --purge              with --uninstall: config.toml too, when the install wrote it
EOF
}

args=("$@")
prefix=/opt/estargz
etc_dir=/etc/containerd-stargz-grpc
systemd_dir=/etc/systemd/system
default_systemd_dir=$systemd_dir
runtime_cache=
uninstall=false
purge=false
while [ $# -gt 0 ]; do
    case $1 in
        --prefix|--etc-dir|--systemd-dir|--runtime-cache)
            [ $# -ge 2 ] || { usage >&2; exit 2; }
            case $1 in
                --prefix) prefix=$2 ;;
                --etc-dir) etc_dir=$2 ;;
                --systemd-dir) systemd_dir=$2 ;;
                --runtime-cache) runtime_cache=$2 ;;
            esac
            shift 2 ;;
        --uninstall) uninstall=true; shift ;;
        --purge) purge=true; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
# the units name these paths, so they must be absolute
absolute() { case $1 in /*) printf '%s' "${1%/}" ;; *) printf '%s' "$(pwd)/${1%/}" ;; esac; }
prefix=$(absolute "$prefix")
etc_dir=$(absolute "$etc_dir")
systemd_dir=$(absolute "$systemd_dir")
[ -n "$runtime_cache" ] && runtime_cache=$(absolute "$runtime_cache")
case $prefix in
    ''|/usr|/usr/local|/etc|/var|/opt|/home) echo "install.sh: --prefix $prefix is not a directory of its own" >&2; exit 2 ;;
esac
# the directory itself or, when it is not there yet, the nearest one above it is writable
writable() { local d=$1; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; [ -w "$d" ]; }
if [ "$(id -u)" != 0 ] && ! { writable "$prefix" && writable "$etc_dir" && writable "$systemd_dir"; }; then
    exec sudo -E "$0" "${args[@]}"
fi
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
record=$prefix/.installed
use_systemctl=false
if [ "$systemd_dir" = "$default_systemd_dir" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    use_systemctl=true
fi
units="estargz-snapshotter.service estargz-fuse-manager.service estargz-store.service"

# processes running a java of PREFIX/runtime (the daemon, the fuse manager, estargz)
running_from_prefix() {
    local p exe
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        case $exe in "$prefix"/runtime/*) printf '%s ' "${p#/proc/}" ;; esac
    done
}

if $uninstall; then
    if [ ! -f "$record" ]; then
        echo "install.sh: nothing installed in $prefix (no $record)" >&2
        exit 1
    fi
    if $use_systemctl; then
        # shellcheck disable=SC2086
        systemctl disable --now $units 2>/dev/null || true
    fi
    pids=$(running_from_prefix)
    if [ -n "$pids" ]; then
        echo "install.sh: processes still run from $prefix (pids $pids); stop them first (the fuse manager:" \
            "kill \$(cat /run/containerd-stargz-grpc/fuse-manager.sock.lock), which unmounts the layers it serves)" >&2
        exit 1
    fi
    # files and trees first, then the directories the install made, deepest first, when empty
    while read -r kind path; do
        case $kind in
            file) rm -f "$path" ;;
            tree) rm -rf "$path" ;;
            config) if $purge; then rm -f "$path"; else echo "kept $path (--purge removes it)"; fi ;;
        esac
    done <"$record"
    dirs=$(grep '^dir ' "$record.dirs" 2>/dev/null | cut -d' ' -f2- | awk '{ print length, $0 }' | sort -rn |
        cut -d' ' -f2-)
    rm -f "$record" "$record.dirs"
    while read -r dir; do
        [ -n "$dir" ] && { rmdir "$dir" 2>/dev/null || true; }
    done <<<"$dirs"
    $use_systemctl && systemctl daemon-reload
    echo "removed the install in $prefix"
    exit 0
fi

# --- the jars -------------------------------------------------------------------------------------------------------
snap_src=$repo/snapshotter/target
cli_src=$repo/converter/cli/target
if [ ! -f "$snap_src/snapshotter.jar" ] || [ ! -d "$snap_src/lib" ] || [ ! -f "$cli_src/estargz-cli.jar" ] \
        || [ ! -d "$cli_src/lib" ]; then
    echo "building the jars (./mvnw -B -q package -DskipTests -pl snapshotter,converter/cli -am)"
    (cd "$repo" && ./mvnw -B -q package -DskipTests -pl snapshotter,converter/cli -am)
fi

# the directories the install made (removed at --uninstall when empty), kept across reinstalls
made_dirs=$prefix/.installed.dirs
make_dir() {
    local d=$1 missing=()
    while [ ! -d "$d" ]; do missing+=("$d"); d=$(dirname "$d"); done
    [ ${#missing[@]} -eq 0 ] && return
    mkdir -p "$1"
    if [ -d "$prefix" ]; then
        for d in "${missing[@]}"; do echo "dir $d" >>"$made_dirs"; done
    fi
}
make_dir "$prefix"
for d in "$prefix" "$prefix/bin" "$prefix/lib" "$etc_dir" "$systemd_dir"; do make_dir "$d"; done
touch "$made_dirs"
sort -u -o "$made_dirs" "$made_dirs"

changed=false
# put FILE at DEST unless it is there already; by rename, so a running JVM never sees a jar change under it
put() {
    cmp -s "$1" "$2" && return 0
    cp "$1" "$2.new.$$"
    chmod "${3:-0644}" "$2.new.$$"
    mv -f "$2.new.$$" "$2"
    changed=true
}
# sync_jars SRC DST JAR: DST holds exactly SRC's JAR and lib/*.jar
sync_jars() {
    local src=$1 dst=$2 f
    mkdir -p "$dst/lib"
    put "$src/$3" "$dst/$3"
    for f in "$src"/lib/*.jar; do put "$f" "$dst/lib/${f##*/}"; done
    for f in "$dst"/lib/*.jar; do
        [ -e "$f" ] && [ ! -e "$src/lib/${f##*/}" ] && { rm -f "$f"; changed=true; }
    done
    return 0
}
sync_jars "$snap_src" "$prefix/lib/snapshotter" snapshotter.jar
jars_changed=$changed
sync_jars "$cli_src" "$prefix/lib/estargz-cli" estargz-cli.jar

# --- the Java runtime -----------------------------------------------------------------------------------------------
jdk=${JAVA_HOME:-}
if [ -z "$jdk" ] && command -v jlink >/dev/null; then jdk=$(dirname "$(dirname "$(readlink -f "$(command -v jlink)")")"); fi
if [ -z "$jdk" ] || [ ! -x "$jdk/bin/jlink" ] || [ ! -x "$jdk/bin/jdeps" ]; then
    echo "install.sh: no jlink/jdeps in $jdk (install openjdk-17-jdk-headless, or set JAVA_HOME to a JDK 17)" >&2
    exit 1
fi
jlink_opts="--strip-debug --no-header-files --no-man-pages"
plugins=$("$jdk/bin/jlink" --list-plugins)
if [[ $plugins == *--generate-cds-archive* ]]; then
    # the runtime's own class-data archive: the daemon's archive of its classes (bin/jvm-options.sh) is built on it
    jlink_opts="$jlink_opts --generate-cds-archive"
fi
# what the runtime is made from: the JDK, the jars (their module needs) and the options
inputs=$( { cat "$jdk/release"; echo "$jlink_opts";
            cd "$prefix/lib" && sha256sum snapshotter/*.jar snapshotter/lib/*.jar estargz-cli/*.jar estargz-cli/lib/*.jar; } |
          sha256sum | cut -c1-32)
if [ "$(cat "$prefix/runtime/estargz.inputs" 2>/dev/null)" != "$inputs" ]; then
    # the modules the jars use, and those reached only by reflection or service lookup: jdk.crypto.ec for registries'
    # TLS (ECDHE, EC certificates), jdk.unsupported for sun.misc.Unsafe (jnr, netty, protobuf)
    if [ -n "$runtime_cache" ] && [ -s "$runtime_cache/modules-$inputs" ]; then
        modules=$(cat "$runtime_cache/modules-$inputs")
    else
        modules=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 17 \
            --class-path "$prefix/lib/snapshotter/lib/*:$prefix/lib/estargz-cli/lib/*" \
            "$prefix/lib/snapshotter/snapshotter.jar" "$prefix/lib/estargz-cli/estargz-cli.jar")
        modules="$modules,jdk.crypto.ec,jdk.unsupported"
        modules=$(tr ',' '\n' <<<"$modules" | sort -u | paste -sd, -)
        if [ -n "$runtime_cache" ]; then
            mkdir -p "$runtime_cache"
            echo "$modules" >"$runtime_cache/modules-$inputs.$$" && mv -f "$runtime_cache/modules-$inputs.$$" \
                "$runtime_cache/modules-$inputs"
        fi
    fi
    key=$( { cat "$jdk/release"; echo "$jlink_opts $modules"; } | sha256sum | cut -c1-32)
fi
if [ -n "${key:-}" ] && [ "$(cat "$prefix/runtime/estargz.key" 2>/dev/null)" != "$key" ]; then
    staged=$prefix/runtime.new.$$
    rm -rf "$staged"
    link() {
        # shellcheck disable=SC2086
        "$jdk/bin/jlink" --add-modules "$modules" $jlink_opts --output "$1" >/dev/null
    }
    if [ -n "$runtime_cache" ]; then
        if [ ! -x "$runtime_cache/$key/bin/java" ]; then
            echo "linking a Java runtime of $modules (cached in $runtime_cache/$key)"
            mkdir -p "$runtime_cache"
            rm -rf "$runtime_cache/$key.new.$$"
            link "$runtime_cache/$key.new.$$"
            rm -rf "$runtime_cache/$key"
            mv "$runtime_cache/$key.new.$$" "$runtime_cache/$key"
        fi
        cp -a "$runtime_cache/$key" "$staged"
    else
        echo "linking a Java runtime of $modules"
        link "$staged"
    fi
    echo "$key" >"$staged/estargz.key"
    # a running daemon keeps the files it has open; the old tree goes once the new one is in place
    if [ -d "$prefix/runtime" ]; then mv "$prefix/runtime" "$prefix/runtime.old.$$"; fi
    mv "$staged" "$prefix/runtime"
    rm -rf "$prefix/runtime.old.$$"
    changed=true
    jars_changed=true
fi
echo "$inputs" >"$prefix/runtime/estargz.inputs"
if $jars_changed; then
    # the daemon's class-data archive is of the old jars or runtime: its next start writes a new one
    rm -f "$prefix/lib/snapshotter/snapshotter.jsa"
fi

# --- launchers, units, config ---------------------------------------------------------------------------------------
for f in estargz estargz-snapshotter estargz-fuse-manager estargz-store; do put "$repo/bin/$f" "$prefix/bin/$f" 0755; done
for f in launcher-paths.sh jvm-options.sh; do put "$repo/bin/$f" "$prefix/bin/$f"; done
for u in $units; do
    sed -e "s|/opt/estargz|$prefix|g" -e "s|/etc/containerd-stargz-grpc|$etc_dir|g" "$repo/deploy/systemd/$u" \
        >"$systemd_dir/$u.sed.$$"
    put "$systemd_dir/$u.sed.$$" "$systemd_dir/$u"
    rm -f "$systemd_dir/$u.sed.$$"
done
config_line=$(grep '^config ' "$record" 2>/dev/null || true)
if [ ! -e "$etc_dir/config.toml" ]; then
    put "$repo/deploy/config.toml" "$etc_dir/config.toml"
    config_line="config $etc_dir/config.toml"
    echo "wrote a starter $etc_dir/config.toml"
fi

{
    for f in estargz estargz-snapshotter estargz-fuse-manager estargz-store launcher-paths.sh jvm-options.sh; do
        echo "file $prefix/bin/$f"
    done
    echo "tree $prefix/lib/snapshotter"
    echo "tree $prefix/lib/estargz-cli"
    echo "tree $prefix/runtime"
    for u in $units; do echo "file $systemd_dir/$u"; done
    # units of an earlier install into another --systemd-dir
    grep '^file .*\.service$' "$record" 2>/dev/null || true
    if [ -n "$config_line" ]; then echo "$config_line"; fi
} | awk '!seen[$0]++' >"$record.new.$$"
mv -f "$record.new.$$" "$record"

if $use_systemctl && $changed; then systemctl daemon-reload; fi
size=$(du -sh "$prefix/runtime" | cut -f1)
if $changed; then
    echo "installed in $prefix (Java runtime $size); start it: systemctl enable --now estargz-snapshotter"
    if [ -n "$(running_from_prefix)" ]; then
        echo "a daemon runs from $prefix: systemctl restart estargz-snapshotter takes the new one (the fuse manager" \
            "and the layers of running containers stay)"
    fi
else
    echo "up to date in $prefix"
fi
