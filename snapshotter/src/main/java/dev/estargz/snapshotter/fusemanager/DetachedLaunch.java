package dev.estargz.snapshotter.fusemanager;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the fuse manager as a detached process: a new session ({@code setsid}, util-linux) so that a SIGKILL of
 * the daemon or of its process group does not reach it, stdin from /dev/null, output appended to
 * {@code <root>/stargz-fuse-manager.log} (the reference's file name).
 *
 * @param executable {@code [fuse_manager] path}: a launcher such as bin/estargz-fuse-manager, or empty to run the
 *                   manager's main class on this JVM's java binary and class path
 */
record DetachedLaunch(String executable, Path address, Path config, Path root, String logLevel) {

    /** The manager's log file. */
    Path log() {
        return root.resolve("stargz-fuse-manager.log");
    }

    /** The command line, without {@code setsid}. */
    List<String> command() {
        List<String> argv = new ArrayList<>();
        if (!executable.isEmpty()) {
            argv.add(executable);
        } else {
            argv.add(ProcessHandle.current().info().command().orElse(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            // the same heap cap and collector as the daemon (JAVA_OPTS of the launcher)
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                // the daemon's class-data archive is mapped by the manager too, but written by the daemon alone
                if (a.startsWith("-X") && !a.startsWith("-XX:ArchiveClassesAtExit")) {
                    argv.add(a);
                }
            }
            argv.add("-cp");
            argv.add(System.getProperty("java.class.path"));
            argv.add(Main.class.getName());
        }
        argv.addAll(List.of("-address", address.toString(), "-config", config.toString(), "-root", root.toString(),
                "-log-level", logLevel));
        return argv;
    }

    /** Starts it; the returned process is the manager itself (setsid execs it), to notice an early exit. */
    Process start() throws IOException {
        Files.createDirectories(root);
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(command());
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(new File("/dev/null"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()));
        // readiness of the daemon's systemd unit is the daemon's to report, not the manager's
        pb.environment().remove("NOTIFY_SOCKET");
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the fuse manager (" + String.join(" ", argv) + "): " + e.getMessage()
                    + " (setsid comes with util-linux)", e);
        }
    }
}
