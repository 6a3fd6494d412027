package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.ResolvedImage;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.OciArchive;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;
import dev.estargz.testkit.TestLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code estargz optimize} end to end: a busybox image with an app layer, pushed to a real docker-registry, is
 * profiled by running {@code cat /app/hello.txt} in a real runc container over FUSE-mounted layers; the record
 * names what was opened, layer by layer, and the optimised image puts those files before the landmark.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class OptimizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static TestImage source;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        Path busybox = TestLayers.busybox();
        source = TestImage.push(client, registry.ref("src/opt:v1"), Platform.current(), List.of(
                layer(Files.readAllBytes(busybox), OciArchive.diffId(busybox)), appLayer()));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    private static TestImage.Layer layer(byte[] gzip, String diffId) {
        return new TestImage.Layer(gzip, MediaTypes.OCI_LAYER_GZIP, dev.estargz.registry.Digest.parse(diffId), Map.of());
    }

    /** app/hello.txt (read by the workload) between two files nobody opens. */
    private static TestImage.Layer appLayer() throws IOException {
        Path tar = tmp.resolve("app.tar.gz");
        byte[] unused = new byte[200_000];
        new Random(7).nextBytes(unused);
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(tar)))) {
            file(t, "app/a-unused.bin", unused);
            file(t, "app/hello.txt", "hello from the app\n".getBytes());
            file(t, "app/z-unused.txt", "never read\n".getBytes());
        }
        return layer(Files.readAllBytes(tar), OciArchive.diffId(tar));
    }

    private static void file(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry f = new TarArchiveEntry(name);
        f.setSize(data.length);
        f.setMode(0100644);
        t.putArchiveEntry(f);
        t.write(data);
        t.closeArchiveEntry();
    }

    @Test
    void profilesTheWorkloadAndPutsTheFilesItOpenedFirst() throws Exception {
        Path record = tmp.resolve("record.json");
        String dst = registry.host() + "/opt/app:v1";
        Cli.Result r = Cli.run("optimize", "--json", "--period", "60", "--record-out", record.toString(),
                "--entrypoint", "[\"/bin/sh\",\"-c\"]", "--args", "[\"cat /app/hello.txt\"]",
                registry.host() + "/src/opt:v1", dst).ok();
        assertTrue(r.stderr().contains("the workload exited after"), r.stderr());
        JsonNode summary = JSON.readTree(r.stdout());
        assertEquals(dst, summary.get("destination").asText());

        List<JsonNode> lines = new ArrayList<>();
        for (String l : Files.readAllLines(record)) {
            lines.add(JSON.readTree(l));
        }
        assertTrue(has(lines, "app/hello.txt", 1), lines.toString());
        assertTrue(has(lines, "bin/busybox", 0), "the shell binary, from the busybox layer: " + lines);
        assertTrue(lines.stream().noneMatch(l -> l.get("path").asText().contains("unused")), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.get("path").asText().equals("etc/group")),
                "runc reads /etc/group while it creates the container; that is not the workload: " + lines);
        for (JsonNode l : lines) {
            assertEquals(source.manifestDigest().toString(), l.get("manifestDigest").asText());
        }

        ResolvedImage out = client.resolve(ImageReference.parse(dst), Platform.current());
        List<String> app = names(out, 1);
        int hello = app.indexOf("app/hello.txt");
        int landmark = app.indexOf(EStargzReader.PREFETCH_LANDMARK);
        assertTrue(hello >= 0 && landmark > hello, "hello.txt before the landmark: " + app);
        assertTrue(app.indexOf("app/a-unused.bin") > landmark && app.indexOf("app/z-unused.txt") > landmark, app.toString());
        List<String> base = names(out, 0);
        assertTrue(base.indexOf("bin/busybox") < base.indexOf(EStargzReader.PREFETCH_LANDMARK), base.toString());
    }

    @Test
    void aWorkloadThatDoesNotEndIsStoppedAfterThePeriod() throws Exception {
        Cli.Result r = Cli.run("optimize", "--period", "2", "--args", "[\"sleep\",\"600\"]",
                "--entrypoint", "[]", registry.host() + "/src/opt:v1", registry.host() + "/opt/sleeper:v1").ok();
        assertTrue(r.stderr().contains("was stopped"), r.stderr());
    }

    @Test
    void aServerIsProfiledUntilItPrintsItsReadyLine() throws Exception {
        Cli.Result r = Cli.run("optimize", "--period", "120", "--wait-on-line", "ready to serve",
                "--entrypoint", "[\"/bin/sh\",\"-c\"]", "--args", "[\"echo booting; echo ready to serve; sleep 600\"]",
                registry.host() + "/src/opt:v1", registry.host() + "/opt/server:v1").ok();
        assertTrue(r.stderr().contains("printed \"ready to serve\" and was stopped"), r.stderr());
    }

    @Test
    void aWorkloadThatCannotStartIsAnErrorNotASilentConversion() {
        Cli.Result r = Cli.run("optimize", "--entrypoint", "[\"/no/such/binary\"]",
                registry.host() + "/src/opt:v1", registry.host() + "/opt/broken:v1");
        assertEquals(1, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("runc could not create the container"), r.stderr());
    }

    private static boolean has(List<JsonNode> lines, String path, int layer) {
        return lines.stream().anyMatch(l -> l.get("path").asText().equals(path) && l.get("layerIndex").asInt() == layer);
    }

    private static List<String> names(ResolvedImage image, int layer) throws IOException {
        List<String> out = new ArrayList<>();
        try (var blob = client.openBlob(image.pinned(), image.layers().get(layer))) {
            for (TocEntry e : EStargzReader.open(blob).entries()) {
                out.add(e.name());
            }
        }
        return out;
    }
}
