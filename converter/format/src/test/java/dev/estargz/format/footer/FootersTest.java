package dev.estargz.format.footer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class FootersTest {

    @Test
    void estargzFooterRoundTripsForOffsetsUpTo200000() throws Exception {
        for (long off = 0; off <= 200000; off += 1023) {
            byte[] f = Footers.estargz(off);
            assertEquals(51, f.length);
            assertEquals(new Footer.EStargz(off), Footers.parse(f));
            // With junk before it, as in a real tail read.
            byte[] tail = new byte[f.length + 100];
            System.arraycopy(f, 0, tail, 100, f.length);
            assertEquals(new Footer.EStargz(off), Footers.parse(tail));
        }
    }

    @Test
    void legacyFooterRoundTripsForOffsetsUpTo200000() throws Exception {
        for (long off = 0; off <= 200000; off += 1023) {
            byte[] f = Footers.legacyStargz(off);
            assertEquals(47, f.length);
            assertEquals(new Footer.LegacyStargz(off), Footers.parse(f));
        }
    }

    @Test
    void estargzFooterHasTheDocumentedBytesAndIsAnEmptyGzipMember() throws Exception {
        byte[] f = Footers.estargz(0x1234);
        assertEquals("1f8b08040000000000ff" + "1a00" + "53471600" + "30".repeat(12) + "31323334"
                + "5354415247" + "5a" + "010000ffff" + "0000000000000000",
                HexFormat.of().formatHex(f));
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(f))) {
            assertEquals(-1, in.read());
        }
    }

    @Test
    void invalidExtraFieldsAreRejected() {
        byte[] wrongId = Footers.estargz(10);
        wrongId[12] = 'E';
        byte[] wrongLen = Footers.estargz(10);
        wrongLen[14] = 21;
        byte[] wrongMagic = Footers.estargz(10);
        wrongMagic[16 + 16] = 'X';
        byte[] notHex = Footers.estargz(10);
        notHex[16] = 'g';
        byte[] wrongXlen = Footers.estargz(10);
        wrongXlen[10] = 25;
        for (byte[] bad : new byte[][] {wrongId, wrongLen, wrongMagic, notHex, wrongXlen, new byte[51], new byte[10]}) {
            FooterException e = assertThrows(FooterException.class, () -> Footers.parse(bad));
            assertTrue(e.getMessage().contains("no eStargz"), e.getMessage());
        }
    }

    @Test
    void externalTocFooterIsRecognised() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(HexFormat.of().parseHex("1f8b08040000000000ff1500534711 00".replace(" ", "")));
        b.write("STARGZEXTERNALTOC".getBytes(StandardCharsets.US_ASCII));
        b.write(HexFormat.of().parseHex("010000ffff0000000000000000"));
        assertEquals(46, b.size());
        assertInstanceOf(Footer.ExternalToc.class, Footers.parse(b.toByteArray()));
    }

    @Test
    void stargzZstdChunkedFooterIsRecognised() throws Exception {
        ByteBuffer f = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(1000).putLong(200).putLong(900).putLong(1).put("GnUlInUx".getBytes(StandardCharsets.US_ASCII));
        assertEquals(new Footer.StargzZstdChunked(1000, 200, 900, 1), Footers.parse(f.array()));
    }

    @Test
    void containersStorageZstdChunkedFooterIsRecognised() throws Exception {
        ByteBuffer f = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        f.putLong(1000).putLong(200).putLong(900).putLong(1).putLong(2000).putLong(30).putLong(40)
                .put("GNUlInUx".getBytes(StandardCharsets.US_ASCII));
        assertEquals(new Footer.ContainersZstdChunked(1000, 200, 900, 1, 2000, 30, 40), Footers.parse(f.array()));
    }
}
