package dev.estargz.snapshotter.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.estargz.proto.snapshots.v1.ListSnapshotsRequest;
import dev.estargz.proto.snapshots.v1.SnapshotsGrpc;
import dev.estargz.proto.snapshots.v1.StatSnapshotRequest;
import dev.estargz.testkit.TestCache;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * scripts/install.sh into a private prefix, etc and systemd directory: the installed runtime runs the programs with
 * no JDK on PATH and no JAVA_HOME, the daemon started from the prefix serves the snapshot API and writes its
 * class-data archive next to the installed jars, a second install changes nothing, and --uninstall leaves nothing
 * behind but the config (--purge: not even that).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallIT {
    /** The commands the launchers and the daemon run besides java (the fuse manager is started through setsid). */
    private static final List<String> TOOLS = List.of("sh", "dirname", "readlink", "find", "head", "mv", "rm", "cat",
            "setsid", "du", "fusermount");
    Path dir;
    Path prefix;
    Path etc;
    Path systemd;
    /** A PATH of the tools above only: no java on it. */
    Path tools;

    @BeforeAll
    void makeDirs() throws IOException {
        dir = Files.createTempDirectory("esz-install-");
        prefix = dir.resolve("opt/estargz");
        etc = dir.resolve("etc/containerd-stargz-grpc");
        systemd = dir.resolve("etc/systemd/system");
        tools = Files.createDirectories(dir.resolve("tools"));
        for (String tool : TOOLS) {
            Path found = Stream.of("/usr/sbin", "/usr/bin", "/sbin", "/bin").map(d -> Path.of(d, tool))
                    .filter(Files::isExecutable).findFirst().orElseThrow(() -> new IOException(tool + " not found"));
            Files.createSymbolicLink(tools.resolve(tool), found);
        }
    }

    @AfterAll
    void removeDirs() throws IOException {
        Run.of(List.of("rm", "-rf", dir.toString()));
    }

    @Test
    @Order(1)
    void installPutsJarsRuntimeLaunchersUnitsAndAStarterConfig() throws IOException {
        install();
        for (String f : List.of("bin/estargz", "bin/estargz-snapshotter", "bin/estargz-fuse-manager",
                "bin/estargz-store", "runtime/bin/java")) {
            assertTrue(Files.isExecutable(prefix.resolve(f)), f);
        }
        assertTrue(Files.isRegularFile(prefix.resolve("lib/snapshotter/snapshotter.jar")));
        assertTrue(Files.isRegularFile(prefix.resolve("lib/estargz-cli/estargz-cli.jar")));
        // only the modules the jars use: no compiler, no jshell
        String modules = Run.check(List.of(prefix.resolve("runtime/bin/java").toString(), "--list-modules")).output();
        assertTrue(modules.contains("jdk.crypto.ec"), modules);
        assertFalse(modules.contains("java.compiler"), modules);
        String unit = Files.readString(systemd.resolve("estargz-snapshotter.service"));
        assertTrue(unit.contains("ExecStart=" + prefix + "/bin/estargz-snapshotter "), unit);
        assertTrue(unit.contains("-config " + etc + "/config.toml"), unit);
        assertTrue(Files.readString(systemd.resolve("estargz-fuse-manager.service"))
                .contains("ExecStart=" + prefix + "/bin/estargz-fuse-manager "));
        assertTrue(Files.readString(systemd.resolve("estargz-store.service"))
                .contains("ExecStart=" + prefix + "/bin/estargz-store "));
        assertTrue(Files.readString(etc.resolve("config.toml")).contains("[fuse_manager]"));
    }

    @Test
    @Order(2)
    void programsRunOnTheInstalledRuntimeWithoutAJdk() throws IOException {
        assertFalse(Files.exists(tools.resolve("java")));
        assertTrue(withoutJdk(prefix.resolve("bin/estargz").toString(), "--version").output()
                .startsWith("estargz "));
        assertTrue(withoutJdk(prefix.resolve("bin/estargz-snapshotter").toString(), "-version").output()
                .startsWith("estargz-snapshotter "));
        assertTrue(withoutJdk(prefix.resolve("bin/estargz-store").toString(), "-help").output()
                .contains("MOUNTPOINT"));
        // a run that only prints leaves no class-data archive for the daemon to adopt
        try (Stream<Path> archives = Files.list(prefix.resolve("lib/snapshotter"))) {
            assertEquals(List.of(), archives.filter(p -> p.getFileName().toString().startsWith("snapshotter.jsa"))
                    .toList());
        }
        // the runtime's own class-data archive maps: the daemon's archive of its classes is built on top of it
        Run.check(List.of(prefix.resolve("runtime/bin/java").toString(), "-Xshare:on", "-version"));
    }

    @Test
    @Order(3)
    void daemonFromThePrefixServesAndWritesItsClassArchiveNextToTheInstalledJars() throws Exception {
        Path root = dir.resolve("root");
        Path socket = dir.resolve("run/containerd-stargz-grpc.sock");
        Files.createDirectories(socket.getParent());
        Path log = dir.resolve("daemon.log");
        ProcessBuilder pb = new ProcessBuilder(prefix.resolve("bin/estargz-snapshotter").toString(),
                "-address", socket.toString(), "-root", root.toString(),
                "-config", etc.resolve("config.toml").toString(), "-log-level", "debug")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        onlyTools(pb.environment());
        Process daemon = pb.start();
        Path manager = root.resolve("fuse-manager.sock");
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(socket)) {
                assertTrue(daemon.isAlive() && System.nanoTime() < deadline,
                        "no socket from the installed daemon:\n" + Files.readString(log));
                DaemonProcess.sleep(50);
            }
            EventLoopGroup group = new EpollEventLoopGroup(1);
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .eventLoopGroup(group).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
            try {
                SnapshotsGrpc.SnapshotsBlockingStub api = SnapshotsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS);
                assertFalse(api.list(ListSnapshotsRequest.newBuilder().setSnapshotter("stargz").build()).hasNext());
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> api.stat(
                        StatSnapshotRequest.newBuilder().setSnapshotter("stargz").setKey("no-such").build()));
                assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            } finally {
                channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            assertEquals(prefix.resolve("runtime/bin/java"), exe(daemon.pid()));
            // the manager the daemon started runs on the same runtime
            long deadline2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (FuseManagerProcess.pid(manager) <= 0 && System.nanoTime() < deadline2) {
                DaemonProcess.sleep(50);
            }
            long managerPid = FuseManagerProcess.pid(manager);
            assertTrue(managerPid > 0, "no fuse manager:\n" + Files.readString(log));
            assertEquals(prefix.resolve("runtime/bin/java"), exe(managerPid));
        } finally {
            daemon.destroy();
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
            }
            FuseManagerProcess.stop(manager, root);
        }
        // the first stop of a daemon with no archive writes one under its pid, which the next start adopts
        Path archive = prefix.resolve("lib/snapshotter/snapshotter.jsa." + daemon.pid());
        assertTrue(Files.isRegularFile(archive) && Files.size(archive) > 0, archive + " missing; "
                + Run.of(List.of("ls", "-l", archive.getParent().toString())).output() + Files.readString(log));
    }

    @Test
    @Order(4)
    void secondInstallKeepsTheInstallAndTheUsersConfig() throws IOException {
        Path config = etc.resolve("config.toml");
        Files.writeString(config, "# the user's own\n", StandardOpenOption.APPEND);
        String before = Files.readString(config);
        Set<String> files = installedFiles();
        Object runtime = Files.readAttributes(prefix.resolve("runtime"),
                BasicFileAttributes.class).fileKey();
        install();
        assertEquals(before, Files.readString(config));
        assertEquals(files, installedFiles());
        assertEquals(runtime, Files.readAttributes(prefix.resolve("runtime"),
                BasicFileAttributes.class).fileKey(), "the runtime was linked again");
    }

    @Test
    @Order(5)
    void uninstallRemovesEverythingButTheConfig() throws IOException {
        Run.check(List.of(script(), "--uninstall", "--prefix", prefix.toString()));
        assertFalse(Files.exists(prefix.getParent()), "left in " + prefix.getParent());
        assertFalse(Files.exists(systemd), "left in " + systemd);
        try (Stream<Path> left = Files.list(etc)) {
            assertEquals(List.of(etc.resolve("config.toml")), left.toList());
        }
    }

    @Test
    @Order(6)
    void uninstallWithPurgeRemovesTheConfigTheInstallWrote() throws IOException {
        // from scratch, as on a fresh node: the install makes etc/ and writes the config
        Run.check(List.of("rm", "-rf", dir.resolve("etc").toString()));
        install();
        Run.check(List.of(script(), "--uninstall", "--purge", "--prefix", prefix.toString()));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(Set.of("tools", "root", "run", "daemon.log"),
                    new TreeSet<>(left.map(p -> p.getFileName().toString()).toList()));
        }
    }

    private void install() throws IOException {
        // linked once per JDK and module list; later installs copy it
        Path cache = TestCache.root().resolve("jlink-runtime");
        Run.check(List.of(script(), "--prefix", prefix.toString(), "--etc-dir", etc.toString(),
                "--systemd-dir", systemd.toString(), "--runtime-cache", cache.toString()));
    }

    private static String script() {
        // failsafe runs with the module as working directory
        return Path.of("..", "scripts", "install.sh").toAbsolutePath().normalize().toString();
    }

    /** Runs a program of the prefix with PATH holding {@link #TOOLS} only and no JAVA_HOME. */
    private Run withoutJdk(String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("env", "-i", "PATH=" + tools, "HOME=" + dir));
        cmd.addAll(List.of(argv));
        return Run.check(cmd);
    }

    /** The environment of {@link #withoutJdk}. */
    private void onlyTools(Map<String, String> env) {
        env.clear();
        env.put("PATH", tools.toString());
        env.put("HOME", dir.toString());
    }

    private static Path exe(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe"));
    }

    /** The install's files but the daemon's class-data archives, relative to the prefix. */
    private Set<String> installedFiles() throws IOException {
        try (Stream<Path> all = Files.walk(prefix)) {
            return new TreeSet<>(all.filter(Files::isRegularFile).map(p -> prefix.relativize(p).toString())
                    .filter(p -> !p.contains("snapshotter.jsa")).toList());
        }
    }
}
