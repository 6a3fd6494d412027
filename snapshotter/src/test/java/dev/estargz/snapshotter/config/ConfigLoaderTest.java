package dev.estargz.snapshotter.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    final ConfigLoader loader = new ConfigLoader();
    final Path file = Path.of("config.toml");

    @Test
    void emptyConfigGivesTheReferenceDefaults() throws Exception {
        LoadedConfig c = loader.parse(file, "");
        assertEquals(DaemonConfig.DEFAULTS, c.config());
        assertEquals(300000, c.config().blob().maxWaitMsec());
        assertEquals(50000, c.config().blob().chunkSize());
        assertTrue(c.config().directoryCache().direct());
        assertEquals(10, c.config().prefetchTimeoutSec());
    }

    @Test
    void referenceConfigParsesWithTablesAndMirrors() throws Exception {
        LoadedConfig c = loader.parse(file, String.join("\n",
                "metrics_address = \"127.0.0.1:8234\"",
                "noprefetch = true",
                "[blob]",
                "check_always = true",
                "fetching_timeout_sec = 60",
                "[directory_cache]",
                "direct = false",
                "[[resolver.host.\"docker.io\".mirrors]]",
                "host = \"mirror.example:5000\"",
                "insecure = true",
                "request_timeout_sec = -1",
                "header = { X-Dragonfly-Registry = \"https://index.docker.io\" }",
                "[snapshotter]",
                "allow_invalid_mounts_on_restart = true",
                ""));
        DaemonConfig d = c.config();
        assertEquals("127.0.0.1:8234", d.metricsAddress());
        assertTrue(d.noPrefetch());
        assertTrue(d.blob().checkAlways());
        assertEquals(60, d.blob().fetchingTimeoutSec());
        assertEquals(50000, d.blob().chunkSize(), "unset keys in a table keep their defaults");
        assertEquals(false, d.directoryCache().direct());
        var mirror = d.resolver().host().get("docker.io").mirrors().get(0);
        assertEquals("mirror.example:5000", mirror.host());
        assertTrue(mirror.insecure());
        assertEquals(-1, mirror.requestTimeoutSec());
        assertEquals("https://index.docker.io", mirror.header().get("X-Dragonfly-Registry"));
        assertTrue(d.snapshotter().allowInvalidMountsOnRestart());
        assertEquals(List.of(), c.unknownKeys());
        assertEquals(List.of("directory_cache.direct"), c.inactiveKeys());
    }

    @Test
    void unknownKeysAreReportedNotFatal() throws Exception {
        LoadedConfig c = loader.parse(file, "typo_key = 1\n[blob]\nchunk_sise = 5\n[nosuchtable]\nx = 1\n");
        assertEquals(List.of("typo_key", "blob.chunk_sise", "nosuchtable"), c.unknownKeys());
        assertEquals(DaemonConfig.DEFAULTS, c.config());
    }

    @Test
    void badTomlAndBadValuesNameTheFile() {
        ConfigException syntax = assertThrows(ConfigException.class, () -> loader.parse(file, "metrics_address = \n"));
        assertTrue(syntax.getMessage().contains("config.toml"), syntax.getMessage());
        ConfigException value = assertThrows(ConfigException.class,
                () -> loader.parse(file, "prefetch_timeout_sec = \"ten\"\n"));
        assertTrue(value.getMessage().contains("config.toml"), value.getMessage());
    }

    @Test
    void aMissingFileIsAnErrorExceptAtTheDefaultPath(@TempDir Path dir) throws Exception {
        assertThrows(ConfigException.class, () -> loader.load(dir.resolve("absent.toml")));
        if (!ConfigLoader.DEFAULT_PATH.toFile().exists()) {
            assertEquals(DaemonConfig.DEFAULTS, loader.load(ConfigLoader.DEFAULT_PATH).config());
        }
    }
}
