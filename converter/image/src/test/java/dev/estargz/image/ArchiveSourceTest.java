package dev.estargz.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.estargz.image.store.LayoutImageSource;
import dev.estargz.image.store.StoredManifest;
import dev.estargz.registry.Digest;
import dev.estargz.registry.manifest.ImageManifest;
import dev.estargz.registry.manifest.MediaTypes;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Archives as sources: docker save output (manifest.json, uncompressed layer tars) and OCI layouts in a tar. */
class ArchiveSourceTest {
    @TempDir
    Path tmp;

    private Path dockerSave(String repoTag, List<byte[]> layerTars) throws IOException {
        ObjectNode cfg = TestImages.JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
        cfg.putObject("config").putObject("Labels").put("org.example.label", "kept");
        ArrayNode ids = cfg.putObject("rootfs").put("type", "layers").putArray("diff_ids");
        ArrayNode history = cfg.putArray("history");
        layerTars.forEach(t -> {
            ids.add(Digest.sha256(t).toString());
            history.addObject().put("created_by", "layer");
        });
        byte[] config = TestImages.JSON.writeValueAsBytes(cfg);
        String configName = Digest.sha256(config).hex() + ".json";
        ArrayNode manifest = TestImages.JSON.createArrayNode();
        ObjectNode image = manifest.addObject().put("Config", configName);
        image.putArray("RepoTags").add(repoTag);
        ArrayNode layers = image.putArray("Layers");
        Path archive = tmp.resolve("saved.tar");
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
            add(tar, configName, config);
            for (int i = 0; i < layerTars.size(); i++) {
                String name = "layer" + i + "/layer.tar";
                layers.add(name);
                add(tar, name, layerTars.get(i));
            }
            add(tar, "manifest.json", TestImages.JSON.writeValueAsBytes(manifest));
        }
        return archive;
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    @Test
    void dockerSaveArchiveConvertsToAnOciLayoutKeepingLabelsAndHistory() throws Exception {
        byte[] l0 = TestImages.tar(Map.of("etc/hostname", TestImages.text("box\n"), "bin/x", TestImages.random(90_000, 1)));
        byte[] l1 = TestImages.tar(Map.of("app/a.txt", TestImages.text("a".repeat(10_000))));
        Path archive = dockerSave("example.com/app:v3", List.of(l0, l1));
        Path layout = tmp.resolve("out");
        ImageConvertResult r = new ImageConverter(null).convert(ImageLocation.parse("oci-archive:" + archive + ":v3"),
                ImageLocation.parse("oci:" + layout + ":v3"), ImageConvertOptions.defaults().withWorkDir(tmp),
                ConversionProgress.none());
        assertEquals(2, r.images().get(0).layers().size());
        try (LayoutImageSource out = LayoutImageSource.directory(layout, "v3")) {
            StoredManifest m = out.top();
            assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType(), "--oci turns docker media types into OCI ones");
            assertEquals(MediaTypes.OCI_CONFIG, ((ImageManifest) m.document()).config().mediaType());
            // the synthesised docker manifest has no annotations; check what the helper can check besides them
            ImageManifest im = (ImageManifest) m.document();
            for (var l : im.layers()) {
                assertTrue(l.annotations().containsKey(LayerAnnotations.TOC_DIGEST));
            }
            var config = TestImages.JSON.readTree(out.smallBlob(im.config()));
            assertEquals("kept", config.path("config").path("Labels").path("org.example.label").asText());
            assertEquals(2, config.path("history").size());
        }
    }

    @Test
    void dockerMediaTypesOnRequestWarnLoudlyAndCarryNoAnnotations() throws Exception {
        byte[] l0 = TestImages.tar(Map.of("etc/hostname", TestImages.text("box\n")));
        Path archive = dockerSave("example.com/app:v3", List.of(l0));
        Path layout = tmp.resolve("docker-out");
        List<String> warnings = new java.util.ArrayList<>();
        ImageConvertResult r = new ImageConverter(null).convert(ImageLocation.parse("oci-archive:" + archive),
                ImageLocation.parse("oci:" + layout + ":v3"), ImageConvertOptions.defaults().withWorkDir(tmp)
                        .withOci(false), new ConversionProgress() {
                    @Override
                    public void message(String line, boolean warning) {
                        if (warning) {
                            warnings.add(line);
                        }
                    }
                });
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("WARNING") && warnings.get(0).contains(LayerAnnotations.TOC_DIGEST));
        assertEquals(warnings, r.warnings());
        try (LayoutImageSource out = LayoutImageSource.directory(layout, "v3")) {
            ImageManifest m = (ImageManifest) out.top().document();
            assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
            assertEquals(MediaTypes.DOCKER_LAYER_GZIP, m.layers().get(0).mediaType());
            assertEquals(Map.of(), m.layers().get(0).annotations());
        }
    }

    @Test
    void missingTagInAnArchiveIsNamed() throws Exception {
        byte[] l0 = TestImages.tar(Map.of("a", TestImages.text("a")));
        Path archive = dockerSave("example.com/app:v3", List.of(l0));
        IOException e = assertThrows(IOException.class, () -> new ImageConverter(null).convert(
                ImageLocation.parse("oci-archive:" + archive + ":v9"), ImageLocation.parse("oci:" + tmp.resolve("x")),
                ImageConvertOptions.defaults().withWorkDir(tmp), ConversionProgress.none()));
        assertTrue(e.getMessage().contains("no image tagged \"v9\""), e.getMessage());
    }

    @Test
    void archivesCannotBeWritten() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageConverter(null).openSink(ImageLocation.parse("oci-archive:" + tmp.resolve("o.tar"))));
        assertTrue(e.getMessage().contains("oci:DIR"), e.getMessage());
    }

    @Test
    void locationsParse() {
        assertEquals(new ImageLocation.OciLayout(Path.of("/x/y"), "t"), ImageLocation.parse("oci:/x/y:t"));
        assertEquals(new ImageLocation.OciLayout(Path.of("/x/y"), null), ImageLocation.parse("oci:/x/y"));
        assertEquals(new ImageLocation.OciArchive(Path.of("a.tar"), null), ImageLocation.parse("oci-archive:a.tar"));
        assertTrue(ImageLocation.parse("docker://127.0.0.1:5000/a/b:c") instanceof ImageLocation.Registry);
        assertTrue(ImageLocation.isExplicit("127.0.0.1:5000/a/b:c"));
        assertTrue(ImageLocation.isExplicit("localhost/a"));
        assertTrue(!ImageLocation.isExplicit("out/layer.esgz") && !ImageLocation.isExplicit("layer.tar.gz"));
    }
}
