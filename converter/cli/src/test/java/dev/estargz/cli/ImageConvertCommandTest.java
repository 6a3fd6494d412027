package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.Command;
import dev.estargz.testkit.ContainerdProcess;
import dev.estargz.testkit.GoChecker;
import dev.estargz.testkit.OciArchive;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;
import dev.estargz.testkit.TestLayers;

/**
 * {@code estargz convert SRC DST} on whole images, end to end: a busybox-based two-platform image built by the
 * test and pushed to a real docker-registry is converted registry to registry and OCI layout (made by skopeo) to
 * registry; the results pull and run under plain containerd, and every layer passes the reference Go reader.
 * Layers converted by the reference {@code ctr-remote} are kept with {@code --reuse}.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ImageConvertCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Platform AMD64 = Platform.parse("linux/amd64");
    private static final Platform ARM64 = Platform.parse("linux/arm64");

    @TempDir
    static Path tmp;
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static ContainerdProcess containerd;
    private static GoChecker go;
    private static String source;

    @BeforeAll
    static void start() throws Exception {
        go = GoChecker.build();
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        containerd = ContainerdProcess.start(Files.createDirectories(tmp.resolve("ctd")));
        Path busybox = TestLayers.busybox();
        TestImage.Layer base = layer(Files.readAllBytes(busybox), OciArchive.diffId(busybox));
        Map<Platform, List<TestImage.Layer>> images = new LinkedHashMap<>();
        images.put(AMD64, List.of(base, appLayer("amd64")));
        images.put(ARM64, List.of(base, appLayer("arm64")));
        TestImage.pushIndex(client, registry.ref("src/busybox:v1"), images);
        source = registry.host() + "/src/busybox:v1";
    }

    @AfterAll
    static void stop() {
        if (containerd != null) {
            containerd.close();
        }
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

    /** A second layer with a file that says which platform it is for. */
    private static TestImage.Layer appLayer(String arch) throws IOException {
        Path tar = tmp.resolve("app-" + arch + ".tar.gz");
        byte[] hello = ("hello from " + arch + "\n").getBytes();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(new GZIPOutputStream(Files.newOutputStream(tar)))) {
            TarArchiveEntry d = new TarArchiveEntry("app/");
            d.setMode(040755);
            t.putArchiveEntry(d);
            t.closeArchiveEntry();
            TarArchiveEntry f = new TarArchiveEntry("app/hello.txt");
            f.setSize(hello.length);
            f.setMode(0100644);
            t.putArchiveEntry(f);
            t.write(hello);
            t.closeArchiveEntry();
        }
        return layer(Files.readAllBytes(tar), OciArchive.diffId(tar));
    }

    private static JsonNode convert(String... args) throws IOException {
        String[] argv = new String[args.length + 2];
        argv[0] = "convert";
        argv[1] = "--json";
        System.arraycopy(args, 0, argv, 2, args.length);
        Cli.Result r = Cli.run(argv).ok();
        return JSON.readTree(r.stdout());
    }

    /** Pulls with plain containerd (no lazy pulling) and runs the image's shell. */
    private static String pullAndRun(String ref, String id) throws IOException {
        containerd.ctr("images", "pull", "--plain-http", ref);
        return containerd.ctr("run", "--rm", ref, id, "/bin/sh", "-c", "cat /app/hello.txt; busybox | head -1")
                .stdout();
    }

    /** Every layer of every image of {@code ref} passes the reference reader with its annotated TOC digest. */
    private static int checkEveryLayerWithGo(String ref) throws IOException {
        ImageReference r = ImageReference.parse(ref);
        ImageIndex index = (ImageIndex) client.fetchManifest(r).document();
        int n = 0;
        for (Descriptor entry : index.manifests()) {
            ImageManifest m = (ImageManifest) client.fetchManifest(r.withDigest(entry.digest())).document();
            for (Descriptor l : m.layers()) {
                String toc = l.annotations().get(OciArchive.TOC_DIGEST_ANNOTATION);
                assertNotNull(toc, entry.platform() + " layer " + l.digest() + " lacks the TOC digest annotation");
                assertNotNull(l.annotations().get(OciArchive.UNCOMPRESSED_SIZE_ANNOTATION));
                Path blob = tmp.resolve(l.digest().hex());
                if (!Files.exists(blob)) {
                    client.downloadBlob(r, l, blob);
                }
                go.checkBlob(blob, toc).check();
                n++;
            }
        }
        return n;
    }

    @Test
    void registryToRegistryAllPlatformsPullsRunsAndPassesTheGoReader() throws IOException {
        String dst = registry.host() + "/conv/busybox:v1";
        JsonNode r = convert("--all-platforms", source, dst);
        assertEquals(2, r.get("images").size());
        assertEquals(4, checkEveryLayerWithGo(dst));
        String out = pullAndRun(dst, "r2r");
        assertTrue(out.startsWith("hello from amd64\nBusyBox"), out);
    }

    @Test
    void ociLayoutMadeBySkopeoToRegistryPullsAndRuns() throws IOException {
        Path layout = tmp.resolve("layout");
        Command.of("skopeo", "copy", "--all", "--src-tls-verify=false", "docker://" + source,
                "oci:" + layout + ":v1").check();
        String dst = registry.host() + "/conv/fromlayout:v1";
        JsonNode r = convert("--all-platforms", "oci:" + layout + ":v1", dst);
        assertEquals(2, r.get("images").size());
        assertEquals(4, checkEveryLayerWithGo(dst));
        assertTrue(pullAndRun(dst, "layout").startsWith("hello from amd64\n"));
    }

    @Test
    void zstdChunkedOutputPassesTheReferenceZstdReaderAndRunsUnderContainerd() throws IOException {
        String dst = registry.host() + "/conv/zstd:v1";
        JsonNode r = convert("--all-platforms", "--zstdchunked", source, dst);
        assertEquals(2, r.get("images").size());
        ImageReference ref = ImageReference.parse(dst);
        ImageIndex index = (ImageIndex) client.fetchManifest(ref).document();
        int layers = 0;
        for (Descriptor entry : index.manifests()) {
            ImageManifest m = (ImageManifest) client.fetchManifest(ref.withDigest(entry.digest())).document();
            for (Descriptor l : m.layers()) {
                assertEquals(MediaTypes.OCI_LAYER_ZSTD, l.mediaType());
                assertNotNull(l.annotations().get("io.containers.zstd-chunked.manifest-checksum"));
                assertNotNull(l.annotations().get("io.containers.zstd-chunked.manifest-position"));
                Path blob = tmp.resolve(l.digest().hex());
                client.downloadBlob(ref, l, blob);
                String out = go.checkZstdChunked(blob, l.annotations().get(OciArchive.TOC_DIGEST_ANNOTATION))
                        .check().stdout().trim();
                assertTrue(Integer.parseInt(out.split(" ")[0]) > 0, out);
                layers++;
            }
        }
        assertEquals(4, layers);
        assertTrue(pullAndRun(dst, "zstd").startsWith("hello from amd64\nBusyBox"));
    }

    @Test
    void hostPlatformByDefaultKeepsTheOtherAndSaysSo() throws IOException {
        Cli.Result r = Cli.run("convert", source, registry.host() + "/conv/hostonly:v1").ok();
        assertTrue(r.stderr().contains("the host's platform"), r.stderr());
        assertTrue(r.stdout().contains("kept unchanged: linux/arm64"), r.stdout());
    }

    @Test
    void layersConvertedByCtrRemoteAreKeptWithReuseAndOurOutputIsANoOp() throws IOException {
        String amd64 = source + "-amd64"; // the single-platform image pushed with the index
        containerd.ctr("images", "pull", "--plain-http", amd64);
        String refConv = registry.host() + "/refconv/busybox:v1";
        containerd.ctr("images", "convert", "--estargz", "--oci", amd64, refConv);
        containerd.ctr("images", "push", "--plain-http", refConv);

        JsonNode kept = convert("--reuse", refConv, registry.host() + "/conv/reused:v1");
        JsonNode layers = kept.get("images").get(0).get("layers");
        assertEquals(2, layers.size());
        for (JsonNode l : layers) {
            assertEquals("reused", l.get("action").asText(), l.toString());
            assertEquals(l.get("sourceDigest").asText(), l.get("digest").asText());
        }
        assertEquals(kept.get("sourceDigest").asText(), kept.get("digest").asText(), "nothing to change");

        String ours = registry.host() + "/conv/ours:v1";
        JsonNode first = convert("--all-platforms", source, ours);
        JsonNode again = convert("--all-platforms", "--reuse", ours, registry.host() + "/conv/ours:v2");
        assertEquals(first.get("digest").asText(), again.get("digest").asText());
        assertEquals(0, again.get("bytesRead").asLong());
    }

    @Test
    void imageOnlyOptionsOnALayerFileAreAUsageError() throws IOException {
        Path f = tmp.resolve("some.tar");
        Files.write(f, new byte[1024]);
        Cli.Result r = Cli.run("convert", "--all-platforms", f.toString(), tmp.resolve("out").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("apply to images"), r.stderr());
    }

    @Test
    void missingTagFailsWithOneLineNamingIt() {
        Cli.Result r = Cli.run("convert", registry.host() + "/src/busybox:nope", registry.host() + "/conv/x:v1");
        assertEquals(1, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().contains("not found") && r.stderr().contains("src/busybox:nope"), r.stderr());
    }

}
