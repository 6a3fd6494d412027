package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.estargz.format.reader.Chunk;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import dev.estargz.image.LayerAnnotations;
import dev.estargz.registry.Digest;
import dev.estargz.registry.FileBlobSource;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.RegistryProcess;
import dev.estargz.testkit.TestImage;
import okhttp3.HttpUrl;
import okhttp3.mockwebserver.RecordedRequest;

/**
 * {@code inspect}, {@code verify} and {@code toc-digest} given a registry image: a real docker-registry holding
 * eStargz layers we convert and push, read through a recording proxy so the tests see every request.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RegistryLayerCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static RegistryProcess registry;
    private static FaultProxy proxy;
    private static Layer first;
    private static Layer second;
    private static byte[] corrupt;
    private static byte[] plainGzip;

    /** A converted layer: its blob and what the converter said about it. */
    private record Layer(byte[] blob, ConvertResult result) {
        TestImage.Layer annotated() {
            return new TestImage.Layer(blob, MediaTypes.OCI_LAYER_GZIP, result.diffId(),
                    Map.of(LayerAnnotations.TOC_DIGEST, result.tocDigest().toString()));
        }
    }

    @BeforeAll
    static void pushImages() throws IOException {
        registry = RegistryProcess.startPlain();
        proxy = new FaultProxy(HttpUrl.get("http://" + registry.host()));
        first = convert("first", 1);
        second = convert("second", 2);
        corrupt = flipByteInAChunk(first);
        plainGzip = gzip(tar(3));
        try (RegistryClient c = RegistryClient.create(registry.clientConfig().build())) {
            Platform amd64 = new Platform("linux", "amd64", null);
            TestImage.push(c, registry.ref("app:two"), Platform.current(),
                    List.of(first.annotated(), second.annotated()));
            TestImage.push(c, registry.ref("app:corrupt"), Platform.current(), List.of(new TestImage.Layer(corrupt,
                    MediaTypes.OCI_LAYER_GZIP, first.result().diffId(),
                    Map.of(LayerAnnotations.TOC_DIGEST, first.result().tocDigest().toString()))));
            TestImage.push(c, registry.ref("app:mixed"), Platform.current(),
                    List.of(TestImage.Layer.opaque(plainGzip), second.annotated()));
            TestImage.pushIndex(c, registry.ref("app:multi"), Map.of(amd64, List.of(first.annotated()),
                    new Platform("linux", "arm64", null), List.of(second.annotated())));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void forgetRequests() {
        proxy.reset();
    }

    private static String ref(String tag) {
        return proxy.host() + "/app:" + tag;
    }

    @Test
    void tocDigestOfAnImageListsEveryLayerWithRangedReadsOnly() {
        String out = Cli.run("toc-digest", ref("two")).ok().stdout();

        assertEquals(List.of(first.result().blobDigest() + " " + first.result().tocDigest(),
                second.result().blobDigest() + " " + second.result().tocDigest()), out.lines().toList());
        assertOnlyFootersAndTocsWereFetched(2);
    }

    @Test
    void inspectOfAnImageReadsOnlyFootersAndTocs() throws IOException {
        Cli.Result r = Cli.run("inspect", "--json", ref("two")).ok();

        JsonNode j = JSON.readTree(r.stdout());
        assertEquals(2, j.get("layers").size());
        assertEquals(first.result().tocDigest().toString(), j.get("layers").get(0).get("tocDigest").asText());
        assertEquals(second.result().tocDigest().toString(), j.get("layers").get(1).get("tocDigest").asText());
        assertEquals(1, j.get("layers").get(1).get("index").asInt());
        assertOnlyFootersAndTocsWereFetched(2);
    }

    @Test
    void inspectTextNamesTheImageAndEachLayer() {
        String out = Cli.run("inspect", ref("two")).ok().stdout();

        assertTrue(out.contains("layer 0 of 2"), out);
        assertTrue(out.contains("layer 1 of 2"), out);
        assertTrue(out.contains("TOC digest:    " + second.result().tocDigest()), out);
    }

    @Test
    void layerIsChosenByIndex() {
        String out = Cli.run("toc-digest", "--layer", "1", ref("two")).ok().stdout();

        assertEquals(second.result().tocDigest().toString(), out.strip());
    }

    @Test
    void layerIsChosenByDigestAndOnlyItIsRead() {
        String out = Cli.run("toc-digest", "--layer", first.result().blobDigest().toString(), ref("two")).ok()
                .stdout();

        assertEquals(first.result().tocDigest().toString(), out.strip());
        assertTrue(blobGets().stream().allMatch(q -> q.getPath().endsWith(first.result().blobDigest().toString())),
                "only the chosen layer is fetched");
    }

    @Test
    void aLayerIndexOutOfRangeIsAUsageError() {
        Cli.Result r = Cli.run("toc-digest", "--layer", "2", ref("two"));

        assertEquals(ExitCodes.USAGE, r.exitCode());
        assertTrue(r.stderr().contains("the image has 2 layers"), r.stderr());
    }

    @Test
    void aDigestNotInTheImageIsAUsageError() {
        Cli.Result r = Cli.run("toc-digest", "--layer", Digest.sha256(new byte[1]).toString(), ref("two"));

        assertEquals(ExitCodes.USAGE, r.exitCode());
        assertTrue(r.stderr().contains("no such layer"), r.stderr());
    }

    @Test
    void platformPicksTheImageOfAnIndex() {
        String arm = Cli.run("toc-digest", "--platform", "linux/arm64", ref("multi")).ok().stdout();
        String amd = Cli.run("toc-digest", "--platform", "linux/amd64", ref("multi")).ok().stdout();

        assertEquals(second.result().blobDigest() + " " + second.result().tocDigest(), arm.strip());
        assertEquals(first.result().blobDigest() + " " + first.result().tocDigest(), amd.strip());
    }

    @Test
    void verifyOfAnImageChecksTheAnnotationAndEveryChunkInBatches() throws IOException {
        Cli.Result r = Cli.run("verify", "--json", ref("two")).ok();

        JsonNode j = JSON.readTree(r.stdout());
        assertTrue(j.get("ok").asBoolean());
        long chunks = 0;
        for (JsonNode l : j.get("layers")) {
            assertTrue(l.get("tocDigestChecked").asBoolean(), "checked against the toc.digest annotation");
            chunks += l.get("chunksVerified").asLong();
        }
        assertTrue(chunks >= 30, "the layers have many 64 KiB chunks: " + chunks);
        // Footer + TOC, then one batch per layer: far fewer requests than chunks.
        assertTrue(blobGets().size() <= 6, blobGets().size() + " blob requests for " + chunks + " chunks");
        assertTrue(blobGets().stream().allMatch(q -> q.getHeader("Range") != null), "ranged requests only");
    }

    @Test
    void verifyDetectsAFlippedByteInAChunk() {
        Cli.Result r = Cli.run("verify", ref("corrupt"));

        assertEquals(ExitCodes.FAILURE, r.exitCode());
        assertEquals(1, r.errLines().size(), r.stderr());
        String err = r.errLines().get(0);
        assertTrue(err.startsWith("estargz: layer 0: "), err);
        assertTrue(err.contains(Digest.sha256(corrupt).toString()), "names the layer: " + err);
        assertTrue(err.contains("big.bin"), "names the file: " + err);
        assertFalse(r.stdout().contains("OK"), r.stdout());
    }

    @Test
    void verifyAgainstAWrongTocDigestFails() {
        Cli.Result r = Cli.run("verify", "--layer", "0", "--toc-digest", second.result().tocDigest().toString(),
                ref("two"));

        assertEquals(ExitCodes.FAILURE, r.exitCode());
        assertTrue(r.stderr().contains(second.result().tocDigest().toString()), r.stderr());
    }

    @Test
    void aLayerThatIsNotEstargzIsNamedAndTheOthersAreStillShown() {
        Cli.Result r = Cli.run("toc-digest", ref("mixed"));

        assertEquals(ExitCodes.FAILURE, r.exitCode());
        assertEquals(second.result().blobDigest() + " " + second.result().tocDigest(), r.stdout().strip());
        assertTrue(r.stderr().startsWith("estargz: layer 0: "), r.stderr());
        assertTrue(r.stderr().contains("not an eStargz layer"), r.stderr());
    }

    @Test
    void imageOptionsOnALayerFileAreAUsageError() throws IOException {
        Path blob = tmp.resolve("first.esgz");
        Files.write(blob, first.blob());

        Cli.Result r = Cli.run("inspect", "--layer", "0", blob.toString());

        assertEquals(ExitCodes.USAGE, r.exitCode());
        assertTrue(r.stderr().contains("is a layer file"), r.stderr());
    }

    private List<RecordedRequest> blobGets() {
        return proxy.requests().stream().filter(FaultProxy.blobGet()).toList();
    }

    /** Every layer GET was ranged, at most two per layer, and together they fetched well under each blob. */
    private void assertOnlyFootersAndTocsWereFetched(int layers) {
        List<RecordedRequest> gets = blobGets();
        assertTrue(gets.size() >= layers && gets.size() <= 2 * layers, gets.size() + " blob GETs");
        for (RecordedRequest q : gets) {
            String range = q.getHeader("Range");
            assertTrue(range != null && range.matches("bytes=\\d+-\\d+"), "single ranged GET, got " + range);
            String[] ends = range.substring("bytes=".length()).split("-");
            long length = Long.parseLong(ends[1]) - Long.parseLong(ends[0]) + 1;
            long blobSize = q.getPath().endsWith(first.result().blobDigest().toString()) ? first.blob().length
                    : second.blob().length;
            assertTrue(length < blobSize / 2, "fetched " + length + " of " + blobSize + " bytes");
        }
    }

    private static Layer convert(String name, long seed) throws IOException {
        Path tar = tmp.resolve(name + ".tar");
        Files.write(tar, tar(seed));
        Path out = tmp.resolve(name + ".esgz");
        // Level 0 keeps file bytes verbatim, so the layer is as large as its files and a flipped byte hits data.
        ConvertResult r = new EStargzConverter().convert(tar, out, ConvertOptions.defaults().withChunkSize(64 << 10)
                .withCompressionLevel(0).withPrioritizedFiles(List.of(), false));
        return new Layer(Files.readAllBytes(out), r);
    }

    /** A small tree with one 1.5 MiB file of random bytes, so the blob is much larger than its footer + TOC. */
    private static byte[] tar(long seed) throws IOException {
        Random random = new Random(seed);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(bytes)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry dir = new TarArchiveEntry("data/");
            t.putArchiveEntry(dir);
            t.closeArchiveEntry();
            byte[] big = new byte[3 << 19];
            random.nextBytes(big);
            add(t, "data/big.bin", big);
            add(t, "data/hello.txt", ("hello " + seed + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static void add(TarArchiveOutputStream t, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        t.putArchiveEntry(e);
        t.write(data);
        t.closeArchiveEntry();
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** The layer with one byte flipped in the middle of a chunk of big.bin (its TOC untouched). */
    private static byte[] flipByteInAChunk(Layer layer) throws IOException {
        Path blob = tmp.resolve("to-corrupt.esgz");
        Files.write(blob, layer.blob());
        Chunk c;
        try (FileBlobSource src = FileBlobSource.open(blob)) {
            c = EStargzReader.open(src).chunksOf("data/big.bin").get(5);
        }
        byte[] bad = layer.blob().clone();
        bad[(int) (c.compressedOffset() + c.compressedSize() / 2)] ^= 0x40;
        return bad;
    }
}
