package dev.estargz.snapshotter.remote.stargz;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.estargz.registry.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a remote snapshot needs to be mounted again without the registry: where the layer lives, its size, the
 * TOC digest it was verified against, and the blob bytes the TOC reader used (footer and TOC). Saved next to the
 * snapshot's {@code fs} directory, so it lives and dies with the snapshot ({@code ctr snapshots rm} removes it,
 * no separate garbage collection), and written atomically (temporary file, then rename) but not synced: two fsyncs
 * per layer were 15-20 ms of every remote Prepare, and what a power loss can tear is caught on restore (sizes here,
 * the TOC digest when it is mounted), which then resolves the layer in the registry as if nothing was saved.
 *
 * @param tocDigest null only when the layer was mounted unverified (verification disabled or skipped)
 */
record SavedLayer(String imageRef, Digest layerDigest, Digest tocDigest, long blobSize,
        List<RecordingBlobSource.LocalSpan> spans) {
    static final String META = "stargz-layer.json";
    static final String BYTES = "stargz-layer.bin";
    private static final ObjectMapper JSON = new ObjectMapper();

    SavedLayer {
        spans = List.copyOf(spans);
    }

    private record Meta(@JsonProperty("imageRef") String imageRef, @JsonProperty("layerDigest") String layerDigest,
            @JsonProperty("tocDigest") String tocDigest, @JsonProperty("blobSize") long blobSize,
            @JsonProperty("spans") List<long[]> spans) {
    }

    /** The directory that holds the saved layer for the snapshot mounted at {@code mountpoint}. */
    static Path dirOf(Path mountpoint) {
        return mountpoint.toAbsolutePath().getParent();
    }

    void save(Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<long[]> index = new ArrayList<>();
        for (RecordingBlobSource.LocalSpan s : spans) {
            index.add(new long[] {s.offset(), s.bytes().length});
            bytes.write(s.bytes());
        }
        Meta meta = new Meta(imageRef, layerDigest.toString(), tocDigest == null ? null : tocDigest.toString(),
                blobSize, index);
        // bytes first: a meta file is only ever next to the bytes it describes
        writeAtomically(dir.resolve(BYTES), bytes.toByteArray());
        writeAtomically(dir.resolve(META), JSON.writeValueAsBytes(meta));
    }

    /**
     * Reads the saved layer of a snapshot directory.
     *
     * @throws NoSuchFileException when nothing was saved (a snapshot of an older version)
     * @throws IOException         when the files are torn or inconsistent
     */
    static SavedLayer load(Path dir) throws IOException {
        Meta meta = JSON.readValue(Files.readAllBytes(dir.resolve(META)), Meta.class);
        byte[] all = Files.readAllBytes(dir.resolve(BYTES));
        List<RecordingBlobSource.LocalSpan> spans = new ArrayList<>();
        int pos = 0;
        for (long[] s : meta.spans()) {
            if (s.length != 2 || s[1] < 0 || s[0] < 0 || s[0] + s[1] > meta.blobSize() || pos + s[1] > all.length) {
                throw new IOException(dir.resolve(META) + ": span " + Arrays.toString(s) + " does not fit the "
                        + all.length + " saved bytes or the " + meta.blobSize() + "-byte blob");
            }
            spans.add(new RecordingBlobSource.LocalSpan(s[0], Arrays.copyOfRange(all, pos, pos + (int) s[1])));
            pos += (int) s[1];
        }
        if (pos != all.length) {
            throw new IOException(dir.resolve(BYTES) + " holds " + all.length + " bytes, spans describe " + pos);
        }
        try {
            return new SavedLayer(meta.imageRef(), Digest.parse(meta.layerDigest()),
                    meta.tocDigest() == null ? null : Digest.parse(meta.tocDigest()), meta.blobSize(), spans);
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(META) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Saves and loads a stand-in layer in {@code dir} (then removes its files), so that the first real Prepare does
     * not pay for Jackson's first look at these records: ~20 ms of the first layer's mount, measured in the fuse
     * manager, against ~1 ms for each layer after it.
     */
    static void warmUp(Path dir) throws IOException {
        byte[] bytes = new byte[4096];
        Digest d = Digest.ofSha256(new byte[32]);
        SavedLayer layer = new SavedLayer("warm-up.invalid/warm-up:latest", d, d, 1 << 20,
                List.of(new RecordingBlobSource.LocalSpan((1 << 20) - bytes.length, bytes)));
        layer.save(dir);
        SavedLayer back = load(dir);
        Files.deleteIfExists(dir.resolve(META));
        Files.deleteIfExists(dir.resolve(BYTES));
        if (back.spans().size() != 1 || back.blobSize() != layer.blobSize()) {
            throw new IOException("the stand-in layer saved in " + dir + " did not load back as it was saved");
        }
    }

    private static void writeAtomically(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, data);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
