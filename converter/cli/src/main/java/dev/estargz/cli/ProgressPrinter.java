package dev.estargz.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.estargz.image.ConversionProgress;
import dev.estargz.image.LayerResult;

/**
 * Shows a conversion's progress on stderr: on a terminal, a block of status lines redrawn in place (one per layer
 * in flight with bytes read and written, then the total with rate and ETA); elsewhere, one plain line per event.
 */
final class ProgressPrinter implements ConversionProgress {
    private static final long REDRAW_NANOS = 200_000_000L;

    private record LayerState(long size, AtomicLong read, AtomicLong written) {
    }

    private final PrintWriter err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private final Map<String, LayerState> active = new ConcurrentHashMap<>();
    private final AtomicLong totalSize = new AtomicLong();
    private final AtomicLong totalRead = new AtomicLong();
    private final AtomicLong totalWritten = new AtomicLong();
    private final AtomicLong doneSize = new AtomicLong();
    private int drawnLines;
    private long lastDraw;

    ProgressPrinter(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public synchronized void message(String line, boolean warning) {
        clear();
        err.println((warning ? "" : "estargz: ") + line);
        err.flush();
    }

    @Override
    public void layerStarted(String layer, long sourceSize) {
        active.put(layer, new LayerState(sourceSize, new AtomicLong(), new AtomicLong()));
        totalSize.addAndGet(sourceSize);
        if (!terminal) {
            synchronized (this) {
                err.println("layer " + layer + ": started (" + Sizes.human(sourceSize) + ")");
                err.flush();
            }
        }
    }

    @Override
    public void bytesRead(String layer, long n) {
        LayerState s = active.get(layer);
        if (s != null) {
            s.read().addAndGet(n);
        }
        totalRead.addAndGet(n);
        maybeDraw();
    }

    @Override
    public void bytesWritten(String layer, long n) {
        LayerState s = active.get(layer);
        if (s != null) {
            s.written().addAndGet(n);
        }
        totalWritten.addAndGet(n);
        maybeDraw();
    }

    @Override
    public synchronized void layerFinished(String layer, LayerResult r) {
        LayerState s = active.remove(layer);
        if (s != null) {
            doneSize.addAndGet(s.size());
            // bytes not seen (kept and reused layers, output smaller than input) count as done for the ETA
            totalRead.addAndGet(Math.max(0, s.size() - s.read().get()));
            totalWritten.addAndGet(Math.max(0, s.size() - s.written().get()));
        }
        clear();
        err.println("layer " + layer + ": " + r.action().name().toLowerCase(Locale.ROOT) + " "
                + Sizes.human(r.sourceSize()) + " -> " + Sizes.human(r.size())
                + (r.upload() == null ? "" : ", " + r.upload().toLowerCase(Locale.ROOT)) + " in "
                + seconds(r.millis()));
        err.flush();
        lastDraw = 0;
        maybeDraw();
    }

    private void maybeDraw() {
        if (!terminal) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) {
            return;
        }
        synchronized (this) {
            if (now - lastDraw < REDRAW_NANOS && lastDraw != 0) {
                return;
            }
            lastDraw = now;
            clear();
            int lines = 0;
            for (var e : active.entrySet()) {
                LayerState s = e.getValue();
                err.println("  " + e.getKey() + "  read " + mib(s.read().get()) + " / " + mib(s.size())
                        + "  written " + mib(s.written().get()));
                lines++;
            }
            double secs = (now - start) / 1e9;
            long read = totalRead.get();
            long total = totalSize.get();
            double rate = secs > 0 ? read / secs : 0;
            // Work is reading the input and writing about as much output: the ETA weighs both halves.
            double done = total > 0 ? Math.min(1.0, (read + Math.min(totalWritten.get(), total)) / (2.0 * total)) : 0;
            String eta = done > 0.01 && done < 1 ? format(Duration.ofSeconds((long) (secs * (1 - done) / done)))
                    : "--:--";
            err.println(String.format(Locale.ROOT, "  total  %s / %s  %.1f MiB/s  ETA %s", mib(read), mib(total),
                    rate / (1 << 20), eta));
            err.flush();
            drawnLines = lines + 1;
        }
    }

    /** Erases the status block so that a permanent line can be printed above it. */
    private void clear() {
        if (terminal && drawnLines > 0) {
            err.print("\033[" + drawnLines + "A\033[J");
            drawnLines = 0;
        }
    }

    /** Removes the status block at the end. */
    synchronized void finish() {
        clear();
        err.flush();
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d", d.toMinutes(), d.toSecondsPart());
    }
}
