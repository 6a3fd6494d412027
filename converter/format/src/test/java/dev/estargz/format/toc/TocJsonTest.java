package dev.estargz.format.toc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class TocJsonTest {

    /** Written by Go's json.MarshalIndent(estargz.JTOC, "", "\t") from the reference v0.12.0 types. */
    private static byte[] golden() throws IOException {
        try (InputStream in = TocJsonTest.class.getResourceAsStream("/toc/go-marshalindent.json")) {
            return in.readAllBytes();
        }
    }

    @Test
    void reEncodingAGoTocGivesTheSameBytes() throws Exception {
        byte[] go = golden();
        assertArrayEquals(go, TocJson.write(TocJson.parse(go)));
    }

    @Test
    void writesWhatGoWritesForTheSameModel() throws Exception {
        TreeMap<String, byte[]> xattrs = new TreeMap<>(TocEntry.UTF8_ORDER);
        xattrs.put("user.z", "z".getBytes(StandardCharsets.UTF_8));
        xattrs.put("user.a", new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd});
        xattrs.put("security.capability", new byte[0]);
        xattrs.put("user.é", "x".getBytes(StandardCharsets.UTF_8));
        xattrs.put("user.\uD83D\uDE00", "y".getBytes(StandardCharsets.UTF_8));
        xattrs.put("user.\uff00", "w".getBytes(StandardCharsets.UTF_8));
        Toc toc = new Toc(1, List.of(
                TocEntry.builder("./", EntryType.DIR).mode(16877).modTime("2019-08-20T10:30:43Z").build(),
                TocEntry.builder("./a<b>&c\u2028\u2029\"\\\n\r\t\b\f\u0001\u007f é \uD83D\uDE00", EntryType.REG)
                        .size(10).mode(0644).uid(1000).gid(1000).userName("user").groupName("grp").offset(123)
                        .digest("sha256:aa").chunkDigest("sha256:bb").chunkSize(4).xattrs(xattrs).build(),
                TocEntry.builder("./a", EntryType.CHUNK).offset(456).chunkOffset(4).chunkSize(4)
                        .chunkDigest("sha256:cc").build(),
                TocEntry.builder("./a", EntryType.CHUNK).offset(789).chunkOffset(8).chunkDigest("sha256:dd").build(),
                TocEntry.builder("dev", EntryType.CHAR).devMajor(1).devMinor(3).mode(-1).build(),
                TocEntry.builder("l", EntryType.SYMLINK).linkName("../x").build(),
                TocEntry.builder("h", EntryType.HARDLINK).linkName("./a").build()));
        assertEquals(new String(golden(), StandardCharsets.UTF_8),
                new String(TocJson.write(toc), StandardCharsets.UTF_8));
        assertEquals(toc, TocJson.parse(golden()));
    }

    @Test
    void anEmptyTocIsWrittenAsGoWritesANilSlice() throws Exception {
        byte[] json = TocJson.write(new Toc(1, List.of()));
        assertEquals("{\n\t\"version\": 1,\n\t\"entries\": null\n}", new String(json, StandardCharsets.UTF_8));
        assertEquals(new Toc(1, List.of()), TocJson.parse(json));
    }

    @Test
    void omittedFieldsReadAsZeroAndUnknownFieldsAreIgnored() throws Exception {
        String json = "{\"version\":1,\"future\":{\"x\":[1,2]},\"entries\":[{\"name\":\"bin/\",\"type\":\"dir\","
                + "\"NumLink\":0,\"somethingNew\":[true,null]}]}";
        TocEntry e = TocJson.parse(json.getBytes(StandardCharsets.UTF_8)).entries().get(0);
        assertEquals(TocEntry.builder("bin/", EntryType.DIR).build(), e);
        assertEquals(0, e.mode());
        assertEquals(0, e.uid());
        assertEquals("", e.modTime());
    }

    @Test
    void keysMatchCaseInsensitivelyAsGosDecoderDoes() throws Exception {
        String json = "{\"Version\":1,\"Entries\":[{\"Name\":\"a\",\"Type\":\"reg\",\"Size\":3,\"ChunkDigest\":\"d\"}]}";
        Toc toc = TocJson.parse(json.getBytes(StandardCharsets.UTF_8));
        assertEquals(1, toc.version());
        assertEquals(3, toc.entries().get(0).size());
        assertEquals("d", toc.entries().get(0).chunkDigest());
    }

    @Test
    void xattrValuesAreBase64() throws Exception {
        String json = "{\"version\":1,\"entries\":[{\"name\":\"a\",\"type\":\"reg\",\"xattrs\":{\"user.k\":\"//79\"}}]}";
        byte[] v = TocJson.parse(json.getBytes(StandardCharsets.UTF_8)).entries().get(0).xattrs().get("user.k");
        assertArrayEquals(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xfd}, v);
    }

    @Test
    void nonJsonIsRejectedWithAClearMessage() {
        TocFormatException e = assertThrows(TocFormatException.class,
                () -> TocJson.parse("this is not json".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void wrongShapesAreRejected() {
        assertThrows(TocFormatException.class, () -> parse("[1,2]"));
        assertThrows(TocFormatException.class, () -> parse("{\"entries\":{}}"));
        assertThrows(TocFormatException.class, () -> parse("{\"entries\":[{\"name\":\"a\",\"type\":\"socket\"}]}"));
        assertThrows(TocFormatException.class, () -> parse("{\"entries\":[{\"name\":\"a\",\"type\":\"reg\",\"size\":\"1\"}]}"));
        assertThrows(TocFormatException.class, () -> parse("{\"entries\":[{\"name\":\"a\",\"type\":\"reg\",\"size\":1.5}]}"));
        assertThrows(TocFormatException.class,
                () -> parse("{\"entries\":[{\"name\":\"a\",\"type\":\"reg\",\"size\":99999999999999999999999}]}"));
        assertThrows(TocFormatException.class,
                () -> parse("{\"entries\":[{\"name\":\"a\",\"type\":\"reg\",\"xattrs\":{\"k\":\"not base64!\"}}]}"));
        assertThrows(TocFormatException.class, () -> parse("{\"version\":1} trailing"));
        assertThrows(TocFormatException.class, () -> parse("{\"version\":1,\"entries\":[{\"name\":\"a\""));
    }

    private static Toc parse(String s) throws TocFormatException {
        return TocJson.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void modTimeIsRoundedToTheSecondInUtcAndEmptyAtTheEpoch() {
        assertEquals("", TocEntry.formatModTime(0, 0));
        assertEquals("", TocEntry.formatModTime(0, 700_000_000));
        assertEquals("2019-08-20T10:30:43Z", TocEntry.formatModTime(1566297043, 0));
        assertEquals("2019-08-20T10:30:44Z", TocEntry.formatModTime(1566297043, 500_000_000));
        assertEquals("2019-08-20T10:30:43Z", TocEntry.formatModTime(1566297043, 499_999_999));
        assertEquals(1566297043L,
                TocEntry.builder("a", EntryType.REG).modTime("2019-08-20T10:30:43Z").build().modTimeInstant()
                        .getEpochSecond());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"2019-08-20T10:30:43Z", "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2023-02-29T00:00:00Z",
            "2019-13-01T00:00:00Z", "2019-08-20T24:00:00Z", "2019-08-20T10:60:00Z", "2019-08-20T10:30:60Z",
            "2019-08-20T10:30:43.5Z", "2019-08-20T10:30:43+02:00", "2019-08-20t10:30:43Z", "2019-08-2XT10:30:43Z",
            "not a time at all!!"})
    void modTimesOfTheCommonFormAreReadAsTheParserReadsThem(String text) {
        java.time.Instant parsed;
        try {
            parsed = java.time.OffsetDateTime.parse(text, java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (java.time.format.DateTimeParseException e) {
            parsed = java.time.Instant.EPOCH;
        }
        assertEquals(parsed, TocEntry.builder("a", EntryType.REG).modTime(text).build().modTimeInstant(), text);
    }
}
