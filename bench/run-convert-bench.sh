#!/bin/bash
# Conversion throughput benchmark (JMH, not a test): estargz convert vs java.util.zip gzip of the same tar at
# the same level, on a real rootfs layer of at least 100 MB (the debootstrap layer the tests cache).
# Both sides read the same plain tar, gunzipped once here and cached, so the single-threaded decompression of a
# .tar.gz input is not part of either measurement. Prints MB/s and CPU seconds per 100 MB with ratios to the
# baseline of the same run (CPU per byte is the figure to trust when other work shares the cores).
# Takes about fifteen minutes on 2 cores (--quick: level 1 only, one measured operation each). Builds the layer first if it is not cached (needs root and network).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cache=${ESTARGZ_TEST_CACHE:-$HOME/.cache/estargz-test}
layer=$cache/debootstrap-bookworm-minbase-v1/layer.tar.gz
tar=$cache/bench/debootstrap-bookworm-minbase-v1.tar
if [ ! -f "$layer" ]; then
    mkdir -p "$(dirname "$layer")"
    "$root/scripts/make-debootstrap-layer.sh" "$layer"
fi
if [ ! -f "$tar" ]; then
    mkdir -p "$(dirname "$tar")"
    gzip -dc "$layer" > "$tar.tmp" && mv "$tar.tmp" "$tar"
fi
size=$(stat -c %s "$tar")
if [ "$size" -lt 100000000 ]; then
    echo "error: $tar is only $size bytes; the benchmark needs at least 100 MB" >&2
    exit 1
fi
cd "$root"
./mvnw -q -B install -pl bench -am -DskipTests
./mvnw -q -B dependency:build-classpath -pl bench -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
exec java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.estargz.bench.ConvertBenchRunner "$tar" "$@"
