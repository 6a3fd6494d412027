package dev.estargz.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import dev.estargz.format.prioritize.PrioritizedFiles;
import dev.estargz.format.writer.ConvertOptions;
import dev.estargz.format.writer.ConvertResult;
import dev.estargz.format.writer.EStargzConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code estargz convert IN OUT}: a layer tar (plain, gzip or zstd) to an eStargz blob; or, when IN names an
 * image, {@code estargz convert SRC DST}: a whole image (see {@link ImageConvert}).
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a layer (tar, tar+gzip or tar+zstd) to an eStargz blob.",
                "The output is the same for any number of threads; on failure nothing is left at OUT.",
                "",
                "Or convert a whole image: estargz convert SRC DST, where SRC and DST are registry references "
                        + "with a host (host[:port]/repo:tag, or docker://REF), OCI image layouts (oci:DIR[:tag]) "
                        + "or, for SRC only, archives of a layout or of docker save (oci-archive:FILE[:tag]).",
                "The form of SRC decides: an existing file is a layer, anything else with a registry host or one "
                        + "of the prefixes is an image. eStargz is written by default, zstd:chunked "
                        + "(stargz-snapshotter's 40-byte-footer variant) with --zstdchunked. Blobs are pushed "
                        + "first and the tag last, so DST never names a half image; a rerun skips stored blobs."})
final class ConvertCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN", description = "The layer to convert (or SRC, an image).")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT",
            description = "Where to write the eStargz blob (or DST, where the image goes).")
    Path out;

    @Option(names = "--prioritized-files", paramLabel = "FILE",
            description = "Files to put first (and prefetch), one path per line; each must exist in the layer.")
    Path prioritizedFiles;

    @Option(names = "--record-in", paramLabel = "FILE",
            description = "Prioritised files from a JSON-lines record (ctr-remote optimize --record-out); "
                    + "paths missing from the layer are skipped, as the reference does.")
    Path recordIn;

    @Mixin
    CompressionOptions compression;

    @Mixin
    OutputOptions output;

    @Mixin
    ImageOptions imageOptions;

    @Override
    public Integer call() throws Exception {
        ConvertOptions options = options();
        // Path normalisation would turn docker://host/x into docker:/host/x: dispatch on the words as typed.
        List<String> typed = output.commandLine().getParseResult().matchedPositionals().stream()
                .flatMap(p -> p.originalStringValues().stream()).toList();
        if (typed.size() == 2 && ImageConvert.isImageSource(typed.get(0))) {
            boolean levelGiven = CompressionOptions.levelGiven(output.commandLine());
            return new ImageConvert(output.commandLine(), imageOptions, options, levelGiven, output.json)
                    .run(typed.get(0), typed.get(1));
        }
        if (imageOptions.anyImageOnlyOptionGiven()) {
            throw new ParameterException(output.commandLine(), "--platform, --all-platforms, --no-oci, --reuse, "
                    + "--zstdchunked and --plain-http apply to images; " + in + " is a layer file");
        }
        if (Files.exists(out) && Files.exists(in) && Files.isSameFile(in, out)) {
            throw new ParameterException(output.commandLine(), "IN and OUT are the same file: " + out);
        }
        ConvertResult result = new EStargzConverter().convert(in, out, options);
        new ConvertReport(in.toString(), out.toString(), result).print(output.out(), output.json);
        return ExitCodes.OK;
    }

    private ConvertOptions options() throws java.io.IOException {
        if (prioritizedFiles != null && recordIn != null) {
            throw new ParameterException(output.commandLine(), "give either --prioritized-files or --record-in, not both");
        }
        ConvertOptions o = compression.toOptions(output.commandLine());
        if (prioritizedFiles != null) {
            return o.withPrioritizedFiles(PrioritizedFiles.fromPlainList(prioritizedFiles).paths(), false);
        }
        if (recordIn != null) {
            return o.withPrioritizedFiles(PrioritizedFiles.fromRecordFile(recordIn).paths(), true);
        }
        return o.withPrioritizedFiles(List.of(), false);
    }
}
