package dev.estargz.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.cli.optimize.AccessRecord;
import dev.estargz.cli.optimize.ProfiledRootfs;
import dev.estargz.cli.optimize.ProfiledRun;
import dev.estargz.cli.optimize.Workload;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.fusefs.fuse.MountTable;
import dev.estargz.image.ImageConvertOptions;
import dev.estargz.image.ImageConvertResult;
import dev.estargz.image.ImageConverter;
import dev.estargz.image.ImageLocation;
import dev.estargz.image.ImageResult;
import dev.estargz.image.LayerAnnotations;
import dev.estargz.image.OutputFormat;
import dev.estargz.image.store.ImageSource;
import dev.estargz.image.store.StoredManifest;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.Platform;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code estargz optimize SRC DST}: profiles the image's workload, then converts it with the files it opened
 * first (and prefetched), as {@code ctr-remote image optimize} does. The host's platform of SRC is converted
 * once as is, its layers are mounted with our lazy filesystem (which records every file opened and the layer
 * that served it), stacked with overlayfs and run with runc for {@code --period} seconds or until the workload
 * exits; then SRC is converted to DST with the recorded files prioritised.
 */
@Command(name = "optimize", mixinStandardHelpOptions = true,
        description = {"Run an image's workload for a while, record the files it opens, and convert the image to "
                + "eStargz (or zstd:chunked) with those files first, so lazy pulling prefetches them.",
                "The workload runs in a runc container (needs root) with its own namespaces and no network but loopback; "
                        + "only the host's platform is profiled (with --all-platforms the others are converted "
                        + "with the same file list, as the reference converts them unoptimised)."})
final class OptimizeCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(index = "0", paramLabel = "SRC", description = "The image to optimise.")
    String src;

    @Parameters(index = "1", paramLabel = "DST", description = "Where the optimised image goes.")
    String dst;

    @Option(names = "--period", paramLabel = "SECONDS", defaultValue = "10",
            description = "Stop profiling after this long if the workload has not exited (default: ${DEFAULT-VALUE}).")
    int period;

    @Option(names = "--wait-on-line", paramLabel = "TEXT",
            description = "Stop profiling as soon as the workload prints a line containing TEXT on stdout (a "
                    + "server's ready message); --period still bounds the wait.")
    String waitOnLine;

    @Option(names = "--entrypoint", paramLabel = "JSON",
            description = "Entrypoint as a JSON array, instead of the image's (drops the image's command too).")
    String entrypoint;

    @Option(names = "--args", paramLabel = "JSON", description = "Arguments as a JSON array, instead of the image's command.")
    String args;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Environment variable to add or replace (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory instead of the image's.")
    String cwd;

    @Option(names = "--user", paramLabel = "USER[:GROUP]", description = "User (and group), names or ids, instead of the image's.")
    String user;

    @Option(names = "--record-out", paramLabel = "FILE",
            description = "Also write the record of opened files (JSON lines, as ctr-remote optimize --record-out).")
    Path recordOut;

    @Mixin
    CompressionOptions compression;

    @Mixin
    OutputOptions output;

    @Mixin
    ImageOptions imageOptions;

    @Override
    public Integer call() throws Exception {
        CommandLine cl = output.commandLine();
        if (period < 1) {
            throw new ParameterException(cl, "--period must be at least 1 second, got " + period);
        }
        List<String> entry = jsonArray("--entrypoint", entrypoint);
        List<String> arguments = jsonArray("--args", args);
        ConvertOptions layerOptions = compression.toOptions(cl);
        ImageLocation from;
        try {
            from = ImageLocation.parse(src);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cl, "SRC: " + e.getMessage());
        }
        PrintWriter err = cl.getErr();
        Path work = Files.createTempDirectory(imageOptions.tempDir != null ? imageOptions.tempDir
                : Path.of(System.getProperty("java.io.tmpdir")), "estargz-optimize-");
        try {
            AccessRecord record = new AccessRecord();
            Digest profiled;
            try (RegistryClient client = imageOptions.registry.client()) {
                profiled = profile(new ImageConverter(client), from, work, record, entry, arguments, err);
            }
            if (recordOut != null) {
                record.write(recordOut, profiled);
            }
            ConvertOptions prioritised = layerOptions.withPrioritizedFiles(record.paths(), true);
            return new ImageConvert(cl, imageOptions, prioritised, CompressionOptions.levelGiven(cl), output.json)
                    .run(src, dst);
        } finally {
            if (!mountedUnder(work)) {
                deleteRecursively(work);
            } else {
                err.println("estargz optimize: left " + work + " in place: something is still mounted under it");
            }
        }
    }

    /**
     * Converts the host's platform of {@code from} as is into a layout under {@code work}, mounts it and runs the
     * workload on it, recording what it opens into {@code record}.
     *
     * @return the digest of the source manifest that was profiled (what the record names, as the reference's does)
     */
    private Digest profile(ImageConverter converter, ImageLocation from, Path work, AccessRecord record,
            List<String> entry, List<String> arguments, PrintWriter err) throws IOException {
        ImageLocation layout = ImageLocation.parse("oci:" + work.resolve("layout"));
        ImageConvertOptions asIs = ImageConvertOptions.defaults().withPlatforms(List.of(Platform.current()))
                .withFormat(OutputFormat.ESTARGZ).withOci(true).withParallelLayers(imageOptions.parallelLayers)
                .withWorkDir(work).withLayerOptions(ConvertOptions.defaults().withCompressionLevel(1)
                        .withPrioritizedFiles(List.of(), true));
        err.println("estargz optimize: converting " + src + " (" + Platform.current() + ") for profiling");
        ProgressPrinter progress = new ProgressPrinter(err, System.console() != null);
        ImageConvertResult asConverted;
        try {
            asConverted = converter.convert(from, layout, asIs, progress);
        } finally {
            progress.finish();
        }
        try (ImageSource image = converter.openSource(layout)) {
            ImageManifest manifest = hostManifest(image);
            JsonNode config = JSON.readTree(image.smallBlob(manifest.config()));
            List<ProfiledRootfs.Layer> layers = new ArrayList<>();
            for (Descriptor d : manifest.layers()) {
                layers.add(new ProfiledRootfs.Layer(image.openBlob(d), d.digest(),
                        Digest.parse(d.annotations().get(LayerAnnotations.TOC_DIGEST))));
            }
            try (ProfiledRootfs rootfs = ProfiledRootfs.mount(layers, work, record);
                 UnmountOnExit guard = new UnmountOnExit(rootfs)) {
                run(config, rootfs, work, record, entry, arguments, err);
            }
        }
        return sourceManifest(asConverted);
    }

    /** Runs the workload on the mounted image and reports how it ended; an error when it opened nothing. */
    private void run(JsonNode config, ProfiledRootfs rootfs, Path work, AccessRecord record, List<String> entry,
            List<String> arguments, PrintWriter err) throws IOException {
        Workload workload;
        try {
            workload = Workload.of(config, entry, arguments, env, cwd, user, rootfs.path());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(output.commandLine(), e.getMessage());
        }
        err.println("estargz optimize: running " + workload.args() + " for at most " + period + " s");
        ProfiledRun.Outcome o = ProfiledRun.run(workload, rootfs.path(), work, Duration.ofSeconds(period),
                waitOnLine, record::start);
        String how = o.exited() ? "exited"
                : o.lineSeen() ? "printed \"" + waitOnLine + "\" and was stopped" : "was stopped";
        err.println(String.format(Locale.ROOT, "estargz optimize: the workload %s after %.1f s; %d files opened", how,
                o.took().toMillis() / 1000.0, record.paths().size()));
        if (record.paths().isEmpty()) {
            throw new IOException("the workload opened no file of the image (its output is above): nothing to "
                    + "optimise by");
        }
    }

    /**
     * Unmounts the profiling rootfs if the JVM is stopped (Ctrl-C, SIGTERM) while it is mounted: finally blocks
     * do not run then, and a FUSE mount of a dead process would stay behind.
     */
    private static final class UnmountOnExit implements AutoCloseable {
        private final Thread hook;

        UnmountOnExit(ProfiledRootfs rootfs) {
            hook = new Thread(() -> {
                try {
                    rootfs.close();
                } catch (IOException e) {
                    System.err.println("estargz optimize: could not unmount " + rootfs.path() + ": " + e.getMessage());
                }
            }, "estargz-optimize-unmount");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to
            }
        }
    }

    private List<String> jsonArray(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readValue(text, new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new ParameterException(output.commandLine(), option + " must be a JSON array of strings, e.g. "
                    + "'[\"sh\",\"-c\",\"echo hi\"]': " + text);
        }
    }

    /** The digest of the source manifest that was profiled (what the record names, as the reference's does). */
    private static Digest sourceManifest(ImageConvertResult r) {
        String host = Platform.current().toString();
        for (ImageResult i : r.images()) {
            if (i.platform().isEmpty() || i.platform().equals(host)) {
                return i.sourceManifest();
            }
        }
        return r.images().get(0).sourceManifest();
    }

    private static ImageManifest hostManifest(ImageSource image) throws IOException {
        StoredManifest top = image.top();
        if (top.document() instanceof ImageManifest m) {
            return m;
        }
        ImageIndex index = (ImageIndex) top.document();
        Descriptor d = index.select(Platform.current()).orElseThrow(() -> new IOException(
                "the image has no " + Platform.current() + " manifest to profile"));
        return (ImageManifest) image.manifest(d).document();
    }

    /** True when something is mounted at or under {@code dir} (or the mount table cannot be read). */
    private static boolean mountedUnder(Path dir) {
        try {
            Path base = dir.toRealPath();
            return MountTable.read().stream().anyMatch(m -> m.mountPoint().startsWith(base));
        } catch (IOException e) {
            return true; // cannot tell: keep it
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary directory is harmless
        }
    }
}
