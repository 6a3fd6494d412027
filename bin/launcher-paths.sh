# Sourced by the bin/estargz* launchers (POSIX sh), with $here the directory above their bin/: where the jars and the
# java binary are, in a checkout (after ./mvnw package) and under the prefix of scripts/install.sh, which copies these
# launchers unchanged next to PREFIX/lib and PREFIX/runtime.
#   $snapshotter_jars  the directory holding snapshotter.jar and its lib/
#   $cli_jars          the directory holding estargz-cli.jar and its lib/
#   $java              $ESTARGZ_JAVA, else the install's own runtime (PREFIX/runtime, no JDK needed), else java on PATH
if [ -d "$here/lib/snapshotter" ] || [ -d "$here/lib/estargz-cli" ]; then
  snapshotter_jars=$here/lib/snapshotter
  cli_jars=$here/lib/estargz-cli
else
  snapshotter_jars=$here/snapshotter/target
  cli_jars=$here/converter/cli/target
fi
if [ -n "${ESTARGZ_JAVA:-}" ]; then
  java=$ESTARGZ_JAVA
elif [ -x "$here/runtime/bin/java" ]; then
  java=$here/runtime/bin/java
else
  java=java
fi
