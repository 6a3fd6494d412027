package dev.estargz.format.writer;

import dev.estargz.format.InvalidLayerException;
import dev.estargz.format.codec.GzipCodec;
import dev.estargz.format.codec.MemberCodec;
import dev.estargz.format.reader.EStargzReader;
import dev.estargz.format.tar.TarFormatException;
import dev.estargz.format.tar.TarRecord;
import dev.estargz.format.tar.TarScanner;
import dev.estargz.format.toc.Toc;
import dev.estargz.format.toc.TocEntry;
import dev.estargz.format.toc.TocJson;
import dev.estargz.registry.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a layer blob (tar, tar+gzip or tar+zstd) into an eStargz blob. The output depends only on the input
 * and the chunk size, level and prioritised files — never on the number of threads.
 */
public final class EStargzConverter {
    private final MemberCodec codec;
    private final boolean landmarks;
    private final MemberPipeline.Batching batching;

    /** A converter that writes landmarks, as the reference's {@code estargz.Build} does. */
    public EStargzConverter() {
        this(true);
    }

    /**
     * A converter writing members with {@code codec}: {@link GzipCodec} for eStargz, {@link
     * dev.estargz.format.codec.ZstdChunkedCodec} for zstd:chunked (same layout, landmarks and TOC, as the
     * reference's {@code estargz.Build} with its zstd compressor).
     */
    public EStargzConverter(MemberCodec codec) {
        this(codec, true, MemberPipeline.Batching.DEFAULT);
    }

    /** Without landmarks the layout is the reference's bare {@code Writer.AppendTar}; tests use it. */
    EStargzConverter(boolean landmarks) {
        this(new GzipCodec(), landmarks, MemberPipeline.Batching.DEFAULT);
    }

    /** Tests vary how members are batched between threads to show it never changes the output. */
    EStargzConverter(MemberCodec codec, boolean landmarks, MemberPipeline.Batching batching) {
        this.codec = codec;
        this.landmarks = landmarks;
        this.batching = batching;
    }

    /**
     * Converts the layer at {@code in} into {@code out}. The output appears atomically: on any error nothing is
     * left at {@code out} (an existing file there is untouched).
     *
     * @throws InvalidLayerException when the input is not a valid layer (naming the entry and offset)
     */
    public ConvertResult convert(Path in, Path out, ConvertOptions options) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Path tempDir = options.tempDir() != null ? options.tempDir() : dir;
        String layer = in.toString();
        try (LayerInput input = LayerInput.stage(in, tempDir, layer)) {
            Path tmp = Files.createTempFile(dir, "." + out.getFileName() + ".", ".partial");
            try {
                ConvertResult result;
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                        OutputStream os = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch),
                                1 << 20)) {
                    result = write(input.tar(), os, options, layer);
                    os.flush();
                    ch.force(true);
                }
                try {
                    Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING);
                }
                return result;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Converts a layer stream into {@code out}; the input is staged in {@code options.tempDir()} (or the system
     * temp directory). {@code out} is not closed; on error it may hold a partial blob.
     */
    public ConvertResult convert(InputStream in, OutputStream out, ConvertOptions options) throws IOException {
        Path tempDir = options.tempDir() != null ? options.tempDir()
                : Path.of(System.getProperty("java.io.tmpdir"));
        try (LayerInput input = LayerInput.stage(in, tempDir, "input stream")) {
            BufferedOutputStream os = new BufferedOutputStream(out, 1 << 20);
            ConvertResult r = write(input.tar(), os, options, "input stream");
            os.flush();
            return r;
        }
    }

    private ConvertResult write(Path tar, OutputStream out, ConvertOptions options, String layer)
            throws IOException {
        try (FileChannel ch = FileChannel.open(tar, StandardOpenOption.READ)) {
            LayerEntries entries = new LayerEntries(layer);
            List<TarRecord> records = new ArrayList<>();
            try {
                new TarScanner(ch).scan(records::add);
            } catch (TarFormatException e) {
                throw new InvalidLayerException(layer, null, e.offset(), "invalid tar: " + e.getMessage(), e);
            }
            for (TarRecord r : records) {
                entries.add(r);
            }
            records = null; // the entries hold what is needed from here on
            List<String> missing = new ArrayList<>();
            List<LayerItem> items = entries.order(options.prioritizedFiles(), options.allowPrioritizedNotFound(),
                    missing);
            if (!landmarks) {
                items.removeIf(i -> i instanceof LayerItem.Landmark);
            }
            MemberPlan plan = MemberPlan.of(items, options.chunkSize());
            try (MemberPipeline pipeline = new MemberPipeline(codec, options.compressionLevel(), options.threads(),
                    batching)) {
                pipeline.writeMembers(ch, plan.members(), plan.entries(), out);
                List<TocEntry> tocEntries = new ArrayList<>(plan.entries().size());
                long prefetch = 0;
                for (TocEntry.Builder b : plan.entries()) {
                    TocEntry e = b.build();
                    if (e.name().equals(EStargzReader.PREFETCH_LANDMARK)) {
                        prefetch = e.offset();
                    }
                    tocEntries.add(e);
                }
                byte[] json = TocJson.write(new Toc(Toc.VERSION, tocEntries));
                long tocOffset = pipeline.writeTocAndFooter(json, out);
                return new ConvertResult(pipeline.blobDigest(), pipeline.diffId(), Digest.sha256(json),
                        pipeline.written(), pipeline.uncompressed(), tocOffset, tocEntries.size(), prefetch, missing);
            }
        }
    }
}
