package dev.estargz.image;

import dev.estargz.image.store.ImageSource;
import dev.estargz.image.store.RegistryImageSource;
import dev.estargz.image.store.StoredManifest;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.manifest.Descriptor;
import dev.estargz.registry.manifest.ImageIndex;
import dev.estargz.registry.manifest.Platform;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.RegistryProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole-image conversion against a real docker-registry: a two-platform index with gzip, zstd and uncompressed
 * layers, converted registry to registry and through an OCI layout; reuse makes a second conversion a no-op.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RegistryConvertTest {
    @TempDir
    static Path tmp;
    private static RegistryProcess registry;
    private static RegistryClient client;
    private static ImageConverter converter;
    private static ImageReference source;
    private static Digest sourceDigest;

    @BeforeAll
    static void start() throws Exception {
        registry = RegistryProcess.startPlain();
        client = RegistryClient.create(registry.clientConfig().build());
        converter = new ImageConverter(client);
        source = registry.ref("src/app:v1");
        Map<Platform, List<TestImages.Layer>> images = new LinkedHashMap<>();
        images.put(TestImages.AMD64, TestImages.layersFor(TestImages.AMD64));
        images.put(TestImages.ARM64, TestImages.layersFor(TestImages.ARM64));
        sourceDigest = TestImages.pushIndex(client, source, "v1", images);
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

    static ImageConvertOptions options() {
        return ImageConvertOptions.defaults().withWorkDir(tmp.resolve("work"))
                .withLayerOptions(ImageConvertOptions.defaults().layerOptions().withChunkSize(64 * 1024));
    }

    private static ImageLocation at(String repoAndTag) {
        return new ImageLocation.Registry(registry.ref(repoAndTag));
    }

    @Test
    void allPlatformsConvertedRegistryToRegistryWithEveryLayerReadable() throws Exception {
        ImageConvertResult r = converter.convert(new ImageLocation.Registry(source), at("dst/all:v1"),
                options().withAllPlatforms(true), ConversionProgress.none());
        assertEquals(2, r.images().size());
        assertEquals(List.of(), r.keptPlatforms());
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/all:v1"));
        StoredManifest top = dst.top();
        assertEquals(r.digest(), top.digest());
        ImageIndex index = (ImageIndex) top.document();
        assertEquals("kept", index.annotations().get("org.example.index"));
        assertEquals(List.of(TestImages.AMD64, TestImages.ARM64), index.manifests().stream()
                .map(Descriptor::platform).toList());
        for (Descriptor d : index.manifests()) {
            assertEquals(2, ConvertedImageCheck.assertEStargzImage(dst, dst.manifest(d)));
        }
        assertTrue(r.images().stream().flatMap(i -> i.layers().stream())
                .allMatch(l -> l.action() == LayerResult.Action.CONVERTED));
    }

    @Test
    void hostPlatformOnlyKeepsTheOtherIndexEntryUntouched() throws Exception {
        ImageConvertResult r = converter.convert(new ImageLocation.Registry(source), at("dst/host:v1"),
                options().withPlatforms(List.of(TestImages.AMD64)), ConversionProgress.none());
        assertEquals(1, r.images().size());
        assertEquals(List.of("linux/arm64"), r.keptPlatforms());
        ImageIndex before = (ImageIndex) new RegistryImageSource(client, source).top().document();
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/host:v1"));
        ImageIndex after = (ImageIndex) dst.top().document();
        assertEquals(before.manifests().get(1), after.manifests().get(1), "arm64 entry unchanged");
        assertNotEquals(before.manifests().get(0).digest(), after.manifests().get(0).digest());
        // the untouched image is complete in the destination repository
        StoredManifest arm = dst.manifest(after.manifests().get(1));
        for (Descriptor l : ((dev.estargz.registry.manifest.ImageManifest) arm.document()).layers()) {
            assertTrue(client.blobExists(registry.ref("dst/host:v1"), l.digest()));
        }
        ConvertedImageCheck.assertEStargzImage(dst, dst.manifest(after.manifests().get(0)));
        long converted = r.images().get(0).layers().stream().mapToLong(LayerResult::size).sum();
        assertTrue(r.bytesUploaded() > converted && r.bytesUploaded() < converted + 10_000,
                "the untouched arm64 layers (over 300 KB) are mounted, not uploaded: " + r.bytesUploaded());
    }

    @Test
    void reconvertingWithReuseIsANoOpAndWithoutReuseConvertsAgain() throws Exception {
        ImageConvertResult first = converter.convert(new ImageLocation.Registry(source), at("dst/reuse:v1"),
                options().withAllPlatforms(true), ConversionProgress.none());
        ImageConvertResult again = converter.convert(at("dst/reuse:v1"), at("dst/reuse:v2"),
                options().withAllPlatforms(true).withReuse(true), ConversionProgress.none());
        assertEquals(first.digest(), again.digest(), "same index digest");
        assertTrue(again.images().stream().flatMap(i -> i.layers().stream())
                .allMatch(l -> l.action() == LayerResult.Action.REUSED), again.toString());
        assertEquals(0, again.bytesRead());
    }

    @Test
    void throughAnOciLayoutAndBackToTheRegistry() throws Exception {
        Path layout = tmp.resolve("layout");
        ImageConvertResult toLayout = converter.convert(new ImageLocation.Registry(source),
                ImageLocation.parse("oci:" + layout + ":conv"), options().withAllPlatforms(true),
                ConversionProgress.none());
        ImageConvertResult toRegistry = converter.convert(ImageLocation.parse("oci:" + layout + ":conv"),
                at("dst/fromlayout:v1"), options().withAllPlatforms(true).withReuse(true), ConversionProgress.none());
        assertEquals(toLayout.digest(), toRegistry.digest());
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/fromlayout:v1"));
        for (Descriptor d : ((ImageIndex) dst.top().document()).manifests()) {
            ConvertedImageCheck.assertEStargzImage(dst, dst.manifest(d));
        }
    }

    @Test
    void sourceLayoutConvertsToTheRegistry() throws Exception {
        Path layout = tmp.resolve("plain-layout");
        // copy the unconverted image into a layout with reuse-less "conversion" of nothing: --reuse on a foreign
        // platform set would convert; so copy via the sink directly
        try (var src = new RegistryImageSource(client, source);
             var sink = new dev.estargz.image.store.LayoutSink(layout, "orig")) {
            StoredManifest top = src.top();
            List<Descriptor> kept = new ArrayList<>();
            for (Descriptor d : ((ImageIndex) top.document()).manifests()) {
                StoredManifest m = src.manifest(d);
                var im = (dev.estargz.registry.manifest.ImageManifest) m.document();
                sink.copyBlob(im.config(), src);
                for (Descriptor l : im.layers()) {
                    sink.copyBlob(l, src);
                }
                sink.putManifest(m.digest(), m.bytes(), m.mediaType());
                kept.add(d);
            }
            sink.tag(top.digest(), top.bytes(), top.mediaType());
        }
        ImageConvertResult r = converter.convert(ImageLocation.parse("oci:" + layout + ":orig"),
                at("dst/layoutsrc:v1"), options().withAllPlatforms(true), ConversionProgress.none());
        assertEquals(sourceDigest, r.sourceDigest());
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/layoutsrc:v1"));
        for (Descriptor d : ((ImageIndex) dst.top().document()).manifests()) {
            ConvertedImageCheck.assertEStargzImage(dst, dst.manifest(d));
        }
    }

    @Test
    void zstdChunkedOutputCarriesItsAnnotationsReadsBackAndReusesToANoOp() throws Exception {
        ImageConvertOptions zstd = options().withAllPlatforms(true).withFormat(OutputFormat.ZSTD_CHUNKED)
                .withLayerOptions(options().layerOptions().withCompressionLevel(3));
        ImageConvertResult r = converter.convert(new ImageLocation.Registry(source), at("dst/zstd:v1"), zstd,
                ConversionProgress.none());
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/zstd:v1"));
        for (Descriptor d : ((ImageIndex) dst.top().document()).manifests()) {
            var m = (dev.estargz.registry.manifest.ImageManifest) dst.manifest(d).document();
            var config = TestImages.JSON.readTree(dst.smallBlob(m.config()));
            for (int i = 0; i < m.layers().size(); i++) {
                Descriptor l = m.layers().get(i);
                assertEquals(dev.estargz.registry.manifest.MediaTypes.OCI_LAYER_ZSTD, l.mediaType());
                String[] pos = l.annotations().get(LayerAnnotations.ZSTD_MANIFEST_POSITION).split(":");
                assertEquals(4, pos.length);
                assertEquals("1", pos[3]);
                try (var blob = dst.openBlob(l)) {
                    byte[] toc = blob.read(new dev.estargz.registry.ByteRange(Long.parseLong(pos[0]),
                            Long.parseLong(pos[1])));
                    assertEquals(Digest.sha256(toc).toString(),
                            l.annotations().get(LayerAnnotations.ZSTD_MANIFEST_CHECKSUM));
                    var reader = dev.estargz.format.reader.EStargzReader.open(blob);
                    assertTrue(reader.footer() instanceof dev.estargz.format.footer.Footer.StargzZstdChunked);
                    reader.verifyToc(Digest.parse(l.annotations().get(LayerAnnotations.TOC_DIGEST)));
                    assertTrue(reader.verifyAllChunks() > 0);
                }
                byte[] stream;
                try (var in = new com.github.luben.zstd.ZstdInputStream(dst.openStream(l))) {
                    stream = in.readAllBytes();
                }
                assertEquals(Long.toString(stream.length), l.annotations().get(LayerAnnotations.UNCOMPRESSED_SIZE));
                assertEquals(Digest.sha256(stream).toString(), config.path("rootfs").path("diff_ids").get(i).asText());
            }
        }
        ImageConvertResult again = converter.convert(at("dst/zstd:v1"), at("dst/zstd:v2"), zstd.withReuse(true),
                ConversionProgress.none());
        assertEquals(r.digest(), again.digest());
        // eStargz reuse does not take zstd:chunked layers: they are converted
        ImageConvertResult toGzip = converter.convert(at("dst/zstd:v1"), at("dst/zstd:gz"),
                options().withAllPlatforms(true).withReuse(true), ConversionProgress.none());
        assertTrue(toGzip.images().stream().flatMap(i -> i.layers().stream())
                .allMatch(l -> l.action() == LayerResult.Action.CONVERTED));
    }

    @Test
    void missingTagIsNotFoundNamingTheReference() {
        RegistryException e = org.junit.jupiter.api.Assertions.assertThrows(RegistryException.class,
                () -> converter.convert(at("src/app:nope"), at("dst/none:v1"), options(), ConversionProgress.none()));
        assertEquals(RegistryException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("src/app:nope"), e.getMessage());
    }

    @Test
    void platformMissingFromTheIndexIsNamedWithWhatItHas() {
        ImageConversionException e = org.junit.jupiter.api.Assertions.assertThrows(ImageConversionException.class,
                () -> converter.convert(new ImageLocation.Registry(source), at("dst/none:v2"),
                        options().withPlatforms(List.of(Platform.parse("linux/s390x"))), ConversionProgress.none()));
        assertTrue(e.getMessage().contains("linux/s390x") && e.getMessage().contains("linux/arm64"), e.getMessage());
    }

    @Test
    void singleManifestWithPrioritisedFilesSpreadOverLayers() throws Exception {
        ImageReference ref = registry.ref("src/single:v1");
        TestImages.Pushed p = TestImages.push(client, ref, TestImages.AMD64, TestImages.layersFor(TestImages.AMD64),
                "v1");
        ImageConvertOptions prioritised = options().withLayerOptions(options().layerOptions()
                .withPrioritizedFiles(List.of("etc/os-release", "app/run.sh"), true));
        ImageConvertResult r = converter.convert(new ImageLocation.Registry(ref), at("dst/single:v1"), prioritised,
                ConversionProgress.none());
        assertEquals(1, r.images().size());
        ImageSource dst = new RegistryImageSource(client, registry.ref("dst/single:v1"));
        ConvertedImageCheck.assertEStargzImage(dst, dst.top());
        for (Descriptor l : ((dev.estargz.registry.manifest.ImageManifest) dst.top().document()).layers()) {
            try (var blob = dst.openBlob(l)) {
                var reader = dev.estargz.format.reader.EStargzReader.open(blob);
                assertTrue(reader.prefetchSize().orElseThrow() > 0, "each layer prioritises the file it has");
            }
        }
        assertArrayEquals(p.manifest(), new RegistryImageSource(client, ref).top().bytes());
    }
}
