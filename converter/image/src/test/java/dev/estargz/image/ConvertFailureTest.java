package dev.estargz.image;

import dev.estargz.registry.RegistryClient;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.auth.Credential;
import dev.estargz.registry.manifest.MediaTypes;
import dev.estargz.registry.reference.ImageReference;
import dev.estargz.testkit.FaultProxy;
import dev.estargz.testkit.RegistryProcess;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Conversions that fail say why, and never leave the destination tag naming a partial image. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ConvertFailureTest {
    @TempDir
    Path tmp;

    private ImageConvertOptions options() {
        return ImageConvertOptions.defaults().withWorkDir(tmp);
    }

    private static void assertTagAbsent(RegistryClient c, ImageReference ref) {
        RegistryException e = assertThrows(RegistryException.class, () -> c.fetchManifest(ref));
        assertEquals(RegistryException.Kind.NOT_FOUND, e.kind(), e.getMessage());
    }

    @Test
    void layerThatIsNotATarFailsNamingTheLayerAndLeavesNoTag() throws Exception {
        try (RegistryProcess registry = RegistryProcess.startPlain();
             RegistryClient c = RegistryClient.create(registry.clientConfig().build())) {
            ImageReference src = registry.ref("bad/app:v1");
            TestImages.Layer bad = TestImages.notATar();
            TestImages.push(c, src, TestImages.AMD64,
                    List.of(TestImages.gzipLayer(TestImages.tar(Map.of("a", TestImages.text("a")))), bad), "v1");
            ImageConversionException e = assertThrows(ImageConversionException.class, () -> new ImageConverter(c)
                    .convert(new ImageLocation.Registry(src), new ImageLocation.Registry(registry.ref("bad/out:v1")),
                            options(), ConversionProgress.none()));
            assertTrue(e.getMessage().contains(dev.estargz.registry.Digest.sha256(bad.blob()).toString()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("not a valid layer"), e.getMessage());
            assertTagAbsent(c, registry.ref("bad/out:v1"));
        }
    }

    @Test
    void unauthorizedSourceIsReportedAsSuch() throws Exception {
        try (RegistryProcess registry = RegistryProcess.start(RegistryProcess.Options.plain()
                .withHtpasswd(Map.of("alice", "s3cret")));
             RegistryClient authed = RegistryClient.create(registry.clientConfig()
                     .credentials(r -> new Credential.Basic("alice", "s3cret")).build());
             RegistryClient anonymous = RegistryClient.create(registry.clientConfig().build())) {
            ImageReference src = registry.ref("private/app:v1");
            TestImages.push(authed, src, TestImages.AMD64, TestImages.layersFor(TestImages.AMD64), "v1");
            RegistryException e = assertThrows(RegistryException.class, () -> new ImageConverter(anonymous)
                    .convert(new ImageLocation.Registry(src), new ImageLocation.Registry(registry.ref("private/out:v1")),
                            options(), ConversionProgress.none()));
            assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains("private/app"), e.getMessage());
        }
    }

    @Test
    void registryFailingMidPushLeavesNoTagAndARerunCompletesSkippingStoredBlobs() throws Exception {
        try (RegistryProcess registry = RegistryProcess.startPlain();
             FaultProxy proxy = new FaultProxy(HttpUrl.get("http://" + registry.host() + "/"));
             RegistryClient direct = RegistryClient.create(registry.clientConfig().build());
             RegistryClient viaProxy = RegistryClient.create(registry.clientConfig().maxRetries(2)
                     .backoff(Duration.ofMillis(5), Duration.ofMillis(20)).build())) {
            ImageReference src = ImageReference.parse(proxy.host() + "/dying/app:v1");
            TestImages.push(viaProxy, src, TestImages.AMD64, TestImages.layersFor(TestImages.AMD64), "v1");
            AtomicInteger uploads = new AtomicInteger();
            // The registry "dies" after the first finished upload: every later upload and manifest PUT gets 503.
            proxy.inject(r -> "PUT".equals(r.getMethod()) && uploads.incrementAndGet() > 1,
                    new FaultProxy.Fault.Status(503, Headers.of()), 10_000);
            ImageReference dst = ImageReference.parse(proxy.host() + "/dying/out:v1");
            ImageConvertOptions o = options().withParallelLayers(1);
            RegistryException e = assertThrows(RegistryException.class, () -> new ImageConverter(viaProxy)
                    .convert(new ImageLocation.Registry(src), new ImageLocation.Registry(dst), o,
                            ConversionProgress.none()));
            assertEquals(RegistryException.Kind.SERVER_ERROR, e.kind(), e.getMessage());
            assertTagAbsent(direct, registry.ref("dying/out:v1"));

            proxy.reset();
            ImageConvertResult r = new ImageConverter(viaProxy).convert(new ImageLocation.Registry(src),
                    new ImageLocation.Registry(dst), o, ConversionProgress.none());
            assertEquals(r.digest(), direct.fetchManifest(registry.ref("dying/out:v1")).digest());
            assertTrue(r.images().get(0).layers().stream().anyMatch(l -> "PRESENT".equals(l.upload())),
                    "the blob stored before the failure is not uploaded again: " + r.images());
            assertEquals(MediaTypes.OCI_MANIFEST, direct.fetchManifest(registry.ref("dying/out:v1")).mediaType());
        }
    }
}
