package dev.estargz.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.estargz.format.footer.Footers;
import dev.estargz.format.tar.UstarHeader;
import dev.estargz.format.testing.Blobs;
import dev.estargz.format.testing.RawLayer;

/**
 * {@code estargz verify} on hostile layers made here: each bad one exits 1 with one line naming the problem, each
 * valid one that looks hostile exits 0. Every case is built by the test; nothing binary is committed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class VerifyHostileLayerTest {
    @TempDir
    static Path tmp;

    private interface Blob {
        byte[] make() throws IOException;
    }

    private static Arguments bad(String name, String mentions, Blob blob) {
        return Arguments.of(name, mentions, blob);
    }

    private static byte[] toc(String json) throws IOException {
        return Blobs.withToc(new RawLayer().payload(), json.getBytes(StandardCharsets.UTF_8));
    }

    /** A small valid layer with its entries' JSON open to edits. */
    private static byte[] layer(java.util.function.UnaryOperator<String> edit) throws IOException {
        return new RawLayer().dir("d/").file("d/a", "aaaa").file("d/b", "bbbbbb").file("d/empty", "").build(edit);
    }

    static Stream<Arguments> badLayers() {
        return Stream.of(
                // footers
                bad("no footer", "not an eStargz layer", () -> "just some bytes, not a layer at all, long enough"
                        .repeat(3).getBytes(StandardCharsets.UTF_8)),
                bad("footer past the end", "outside the blob", () -> {
                    byte[] b = layer(j -> j);
                    System.arraycopy(Footers.estargz(b.length * 2L), 0, b, b.length - 51, 51);
                    return b;
                }),
                bad("footer magic", "STARGZ", () -> {
                    byte[] b = layer(j -> j);
                    b[b.length - 51 + 16 + 16] = 'X';
                    return b;
                }),
                bad("truncated", "not an eStargz layer", () -> {
                    byte[] b = layer(j -> j);
                    return Arrays.copyOf(b, b.length - 7);
                }),
                // TOC
                bad("TOC not JSON", "not valid JSON", () -> toc("{\"version\":1,\"entries\":[")),
                bad("TOC without entries", "no \"entries\" key", () -> toc("{\"version\":1}")),
                bad("TOC of version 2", "version 2", () -> toc("{\"version\":2,\"entries\":[]}")),
                bad("TOC nested deeply", "not valid JSON", () -> toc("{\"version\":1,\"x\":" + "[".repeat(50_000)
                        + "]".repeat(50_000) + ",\"entries\":[]}")),
                bad("TOC bomb", "more than the limit", () -> {
                    // a TOC tar entry that claims 300 MiB: refused before anything is inflated
                    RawLayer l = new RawLayer();
                    long at = l.payload().length;
                    l.member(UstarHeader.regularFile("stargz.index.json", 300L << 20));
                    byte[] payload = l.payload();
                    byte[] out = Arrays.copyOf(payload, payload.length + 51);
                    System.arraycopy(Footers.estargz(at), 0, out, payload.length, 51);
                    return out;
                }),
                bad("unknown type", "unknown type \"socket\"",
                        () -> toc("{\"version\":1,\"entries\":[{\"name\":\"s\",\"type\":\"socket\"}]}")),
                bad("negative offset", "negative", () -> layer(j -> j.replaceFirst("\"offset\":\\d+", "\"offset\":-5"))),
                bad("offset twice", "found twice", () -> layer(j -> j.replaceFirst("(\"offset\":)(\\d+)(.*\"offset\":)\\d+",
                        "$1$2$3$2"))),
                bad("offsets backwards", "go backwards", () -> {
                    RawLayer l = new RawLayer();
                    long a = l.member("aaaa".getBytes(StandardCharsets.UTF_8));
                    long b = l.member("bbbb".getBytes(StandardCharsets.UTF_8));
                    return l.entry(reg("b", "bbbb", b)).entry(reg("a", "aaaa", a)).build();
                }),
                bad("chunk gap", "does not continue", () -> chunked(5, 6)),
                bad("chunk overlap", "does not continue", () -> chunked(5, 4)),
                bad("chunks short of the size", "add up to 5, file size is 10", () -> {
                    RawLayer l = new RawLayer();
                    long a = l.member("01234".getBytes(StandardCharsets.UTF_8));
                    return l.entry("{\"name\":\"f\",\"type\":\"reg\",\"size\":10,\"offset\":" + a
                            + ",\"chunkSize\":5,\"chunkDigest\":\"" + RawLayer.sha256("01234") + "\"}").build();
                }),
                bad("missing chunk digest", "chunkDigest not found", () -> {
                    RawLayer l = new RawLayer();
                    long a = l.member("aaaa".getBytes(StandardCharsets.UTF_8));
                    long c = l.member("ccc".getBytes(StandardCharsets.UTF_8));
                    return l.entry(reg("a", "aaaa", a))
                            .entry("{\"name\":\"c\",\"type\":\"reg\",\"size\":3,\"offset\":" + c + "}").build();
                }),
                // names
                bad("NUL in a name", "NUL", () -> layer(j -> j.replace("d/a", "d/a\\u0000x"))),
                bad("deep path", "longer than 4096 bytes", () -> new RawLayer().file("a/".repeat(100_000) + "f", "x")
                        .build()),
                bad("long component", "longer than 255 bytes", () -> new RawLayer().file("x".repeat(300), "x").build()),
                bad("root a file", "root entry is a reg", () -> new RawLayer().file("./", "x").build()),
                bad("root a symlink", "root entry is a symlink", () -> new RawLayer()
                        .entry("{\"name\":\"/\",\"type\":\"symlink\",\"linkName\":\"/etc\"}").build()),
                bad("parent a file", "not a directory", () -> new RawLayer().file("f", "x").file("f/g", "y").build()),
                bad("parent a symlink", "not a directory", () -> new RawLayer()
                        .entry("{\"name\":\"etc\",\"type\":\"symlink\",\"linkName\":\"/etc\"}").file("etc/passwd", "x")
                        .build()),
                // links
                bad("hardlink cycle", "cycle", () -> new RawLayer().hardlink("a", "b").hardlink("b", "c")
                        .hardlink("c", "a").build()),
                bad("hardlink to nowhere", "not in the TOC", () -> new RawLayer().hardlink("a", "nowhere").build()),
                bad("hardlink to a directory", "hardlink to directory", () -> new RawLayer().dir("d/")
                        .hardlink("l", "d/").build()),
                // payload
                bad("wrong file digest", "file content", () -> layer(j -> j.replaceFirst("\"digest\":\"sha256:[0-9a-f]+\"",
                        "\"digest\":\"" + RawLayer.sha256("not it") + "\""))),
                bad("wrong empty-file digest", "d/empty", () -> layer(j -> j.replace("\"digest\":\""
                        + RawLayer.sha256("") + "\"", "\"digest\":\"" + RawLayer.sha256("x") + "\""))),
                bad("wrong chunk digest", "chunk at file offset 0", () -> layer(j -> j.replace(RawLayer.sha256("aaaa"),
                        RawLayer.sha256("AAAA")))),
                bad("wrong gzip CRC", "CRC-32", () -> {
                    RawLayer l = new RawLayer();
                    long a = l.member("aaaa".getBytes(StandardCharsets.UTF_8));
                    long end = l.payload().length;
                    byte[] payload = l.payload();
                    payload[(int) end - 8] ^= 0x10;
                    return Blobs.withToc(payload, ("{\"version\":1,\"entries\":[" + reg("a", "aaaa", a) + "]}")
                            .getBytes(StandardCharsets.UTF_8));
                }),
                bad("member not gzip", "not a gzip member", () -> {
                    byte[] payload = new RawLayer().payload();
                    byte[] withJunk = Arrays.copyOf(payload, payload.length + 20);
                    return Blobs.withToc(withJunk, ("{\"version\":1,\"entries\":[" + reg("a", "aaaa", payload.length)
                            + "]}").getBytes(StandardCharsets.UTF_8));
                }),
                bad("payload shorter", "before the end of the chunk", () -> {
                    RawLayer l = new RawLayer();
                    long a = l.member("aa".getBytes(StandardCharsets.UTF_8));
                    return l.entry(reg("a", "aaaa", a)).build();
                }));
    }

    /** A 10-byte file in two chunk entries, the second starting at {@code second} after a first of {@code first}. */
    private static byte[] chunked(int first, int second) throws IOException {
        RawLayer l = new RawLayer();
        long a = l.member("01234".getBytes(StandardCharsets.UTF_8));
        long b = l.member("56789".getBytes(StandardCharsets.UTF_8));
        return l.entry("{\"name\":\"f\",\"type\":\"reg\",\"size\":10,\"offset\":" + a + ",\"chunkSize\":" + first
                + ",\"chunkDigest\":\"" + RawLayer.sha256("01234") + "\"}")
                .entry("{\"name\":\"f\",\"type\":\"chunk\",\"offset\":" + b + ",\"chunkOffset\":" + second
                        + ",\"chunkDigest\":\"" + RawLayer.sha256("56789") + "\"}")
                .build();
    }

    private static String reg(String name, String content, long offset) {
        return "{\"name\":\"" + name + "\",\"type\":\"reg\",\"size\":" + content.length() + ",\"offset\":" + offset
                + ",\"digest\":\"" + RawLayer.sha256(content) + "\",\"chunkDigest\":\"" + RawLayer.sha256(content)
                + "\"}";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLayers")
    void aBadLayerFailsWithOneLineNamingTheProblem(String name, String mentions, Blob blob) throws IOException {
        Path file = Files.write(tmp.resolve(name.replace(' ', '-') + ".esgz"), blob.make());

        Cli.Result r = Cli.run("verify", file.toString());

        assertEquals(ExitCodes.FAILURE, r.exitCode(), r.stdout());
        assertEquals(1, r.errLines().size(), r.stderr());
        assertTrue(r.stderr().startsWith("estargz: " + file), r.stderr());
        assertTrue(r.stderr().contains(mentions), "should mention " + mentions + ": " + r.stderr());
    }

    static Stream<Arguments> validLayers() {
        return Stream.of(
                Arguments.of("a chain of 1000 hardlinks", (Blob) () -> {
                    RawLayer l = new RawLayer().file("f", "content").hardlink("l0", "f");
                    for (int i = 1; i < 1000; i++) {
                        l.hardlink("l" + i, "l" + (i - 1));
                    }
                    return l.build();
                }),
                Arguments.of("1000 hardlinks to one file", (Blob) () -> {
                    RawLayer l = new RawLayer().file("f", "content");
                    for (int i = 0; i < 1000; i++) {
                        l.hardlink("l" + i, "f");
                    }
                    return l.build();
                }),
                Arguments.of("a path 2000 directories deep", (Blob) () -> new RawLayer()
                        .file("a/".repeat(2000) + "f", "x").build()),
                Arguments.of("an empty layer", (Blob) () -> toc("{\"version\":1,\"entries\":null}")),
                Arguments.of("names with ./, / and ..", (Blob) () -> new RawLayer().dir("./").dir("/abs/")
                        .file("../up", "x").file("./abs//f", "y").build()),
                Arguments.of("a later duplicate replacing a file", (Blob) () -> new RawLayer().file("f", "one")
                        .file("f", "two").build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validLayers")
    void aValidLayerThatLooksHostileVerifies(String name, Blob blob) throws IOException {
        Path file = Files.write(tmp.resolve(name.replace(' ', '-').replace('/', '_') + ".esgz"), blob.make());

        Cli.Result r = Cli.run("verify", file.toString());

        assertEquals(ExitCodes.OK, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("OK"), r.stdout());
    }
}
