# Sourced by bin/estargz-snapshotter and bin/estargz-fuse-manager (POSIX sh): the JVM flags both processes run
# with ($jvm_opts), and the class-data archive they map ($jsa, current_archive, mapped_archive), for $jars (the
# directory holding snapshotter.jar and lib/).
#
# Sized to need (bench/README.md, "Daemon memory"): a small heap that grows in large steps while busy and shrinks in
# one step after a full collection (snapshotter.runtime.IdleHeapTrim asks for one, with tight ratios, once the
# process is quiet), the serial collector (both compilers:
# C1 alone digests SHA-256 at 150 MiB/s instead of 1.5 GiB/s), small thread stacks, two malloc arenas instead of one
# per thread (the fuse manager has a thread per FUSE worker), and freed native memory (compiler arenas above all)
# given back every 5 s. JAVA_OPTS replaces these flags.
# The heap cap is for opening a large layer: about 1.2 KiB per TOC entry while its index is built (a 100k-file
# layer opens within 128 MiB); the heap grows only when that happens and shrinks after.
# The daemon passes its -X options and the environment on to the fuse manager it starts.
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
jvm_opts=${JAVA_OPTS:--Xms8m -Xmx192m -XX:MaxHeapFreeRatio=40 -XX:MinHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -XX:+UseSerialGC -XX:MaxMetaspaceSize=96m -Xss512k -XX:-UsePerfData -XX:TrimNativeHeapInterval=5000}
# The JIT's compiler threads run at nice 19, and Java thread priorities become nice values (MIN_PRIORITY: nice 4):
# right after a first pull C2 compiles what the real TOC and mounts ran, 200-500 ms of CPU, which on a 2-core node
# took it from containerd, runc and the container starting (the wait between pull and container start grew by
# ~100 ms; measured with per-thread CPU samples, bench/README.md "Cold start"). Needs root, as the daemon does.
# (the uid from /proc with shell builtins only: an installed node may run this with no coreutils on PATH)
euid=
while read -r field _ effective _; do
  if [ "$field" = "Uid:" ]; then euid=$effective; break; fi
done < /proc/self/status
if [ -z "${JAVA_OPTS:-}" ] && [ "$euid" = 0 ]; then
  jvm_opts="$jvm_opts -XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=19"
fi

# Class-data sharing: the classes of a daemon's start, archived next to the jars, are mapped instead of loaded and
# verified again (socket ready in about 1 s instead of 2). The archive is mapped where it was written
# (ArchiveRelocationMode=0; Debian's JDK 17 relocates it by default, which copies 22 MiB of it into private memory in
# each JVM): its pages stay page cache shared by the daemon and the manager. ESTARGZ_CDS=off skips it.
jsa=$jars/snapshotter.jsa
# current_archive FILE: FILE is a non-empty archive no jar is newer than
current_archive() { [ -s "$1" ] && [ -z "$(find "$jars" -name '*.jar' -newer "$1" 2>/dev/null | head -1)" ]; }
# mapped_archive: prints the flags that map $jsa when it is current and not turned off, else nothing
mapped_archive() {
  if [ "${ESTARGZ_CDS:-on}" != off ] && current_archive "$jsa"; then
    echo "-XX:SharedArchiveFile=$jsa -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
  fi
}
