#!/bin/bash
# Registry read benchmark (not a test): our registry client vs curl through a simulated slow link (user-space
# proxy adding RTT and a bandwidth cap) to a real docker-registry on 127.0.0.1, in the same run.
# Arguments (all optional): rtt-ms=20 mbit=100 blob-mib=64 cold=20 warm=40 downloads=3. About a minute with defaults.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
for tool in curl docker-registry; do
    command -v "$tool" >/dev/null || { echo "error: $tool is not installed" >&2; exit 1; }
done
cd "$root"
./mvnw -q -B install -pl bench -am -DskipTests
./mvnw -q -B dependency:build-classpath -pl bench -Dmdep.outputFile=target/registry-bench-classpath.txt \
    -Dmdep.includeScope=runtime
exec java -Xmx768m -cp "bench/target/classes:$(cat bench/target/registry-bench-classpath.txt)" \
    dev.estargz.bench.registry.RegistryLinkBench "$@"
