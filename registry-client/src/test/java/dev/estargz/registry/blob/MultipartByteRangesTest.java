package dev.estargz.registry.blob;

import dev.estargz.registry.ByteRange;
import okio.Buffer;
import org.junit.jupiter.api.Test;

import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MultipartByteRangesTest {
    private static Buffer body(String boundary, String... partsAndRanges) {
        Buffer b = new Buffer().writeUtf8("preamble\r\n");
        for (int i = 0; i < partsAndRanges.length; i += 2) {
            b.writeUtf8("--" + boundary + "\r\nContent-Type: application/octet-stream\r\nContent-Range: "
                    + partsAndRanges[i] + "\r\n\r\n").writeUtf8(partsAndRanges[i + 1]).writeUtf8("\r\n");
        }
        return b.writeUtf8("--" + boundary + "--\r\n");
    }

    @Test
    void readsPartsByTheirContentRangeEvenWhenDataContainsTheBoundary() throws Exception {
        String boundary = "XYZ";
        var parts = MultipartByteRanges.parse(body(boundary, "bytes 0-9/100", "--XYZ\r\n--X", "bytes 50-52/100", "abc"),
                boundary, 1000);
        assertEquals(2, parts.size());
        assertArrayEquals("--XYZ\r\n--X".getBytes(StandardCharsets.UTF_8), parts.get(0).data());
        assertEquals(50, parts.get(1).range().first());
        assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), parts.get(1).data());
    }

    @Test
    void boundaryComesFromTheContentType() {
        assertEquals("abc", MultipartByteRanges.boundary("multipart/byteranges; boundary=abc"));
        assertEquals("a b", MultipartByteRanges.boundary("multipart/byteranges; boundary=\"a b\""));
        assertNull(MultipartByteRanges.boundary("application/octet-stream"));
    }

    @Test
    void rejectsTruncatedOversizedOrUnlabelledParts() {
        assertThrows(java.io.EOFException.class, () -> MultipartByteRanges.parse(
                new Buffer().writeUtf8("--B\r\nContent-Range: bytes 0-99/100\r\n\r\nshort"), "B", 1000));
        assertThrows(ProtocolException.class, () -> MultipartByteRanges.parse(
                body("B", "bytes 0-9/100", "0123456789"), "B", 5));
        assertThrows(ProtocolException.class, () -> MultipartByteRanges.parse(
                new Buffer().writeUtf8("--B\r\nContent-Type: x\r\n\r\nabc\r\n--B--\r\n"), "B", 1000));
        assertThrows(ProtocolException.class, () -> ContentRange.parse("bytes 9-0/100"));
        assertThrows(ProtocolException.class, () -> ContentRange.parse("bytes 0-100/100"));
    }

    @Test
    void plansMergeOverlappingAndNearbyRangesAndCapBatchSize() {
        RangePlan p = RangePlan.of(List.of(new ByteRange(100, 10), new ByteRange(0, 10), new ByteRange(5, 10),
                new ByteRange(12, 3), new ByteRange(200, 0), new ByteRange(300, 1)), 2, 2);
        assertEquals(List.of(List.of(new ByteRange(0, 15), new ByteRange(100, 10)), List.of(new ByteRange(300, 1))),
                p.batches());
        assertEquals("bytes=0-14,100-109", RangePlan.header(p.batches().get(0)));
    }
}
