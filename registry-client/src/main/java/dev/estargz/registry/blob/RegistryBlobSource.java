package dev.estargz.registry.blob;

import dev.estargz.registry.BlobSource;
import dev.estargz.registry.ByteRange;
import dev.estargz.registry.Digest;
import dev.estargz.registry.RegistryConfig;
import dev.estargz.registry.RegistryException;
import dev.estargz.registry.RegistryException.Kind;
import dev.estargz.registry.http.Endpoint;
import dev.estargz.registry.http.RegistryRequest;
import dev.estargz.registry.http.RegistryTransport;
import dev.estargz.registry.reference.ImageReference;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A blob in a registry read by ranges: single ranges with one GET each, several ranges coalesced into
 * {@code multipart/byteranges} requests. A registry that refuses multi-range (400, 416, a non-multipart answer)
 * switches this source to one range per request, as the reference does. Thread-safe.
 *
 * <p>Registries often answer blob GETs with a redirect to object storage. The target is remembered for a minute
 * (the reference re-resolves a blob's URL every {@code valid_interval}, 60 s by default) and later ranges go
 * straight to it, saving the registry's round trip on every read; when it fails (an expired signature, a storage
 * error) the read goes through the registry again, which yields a fresh target.
 *
 * <p>Mirrors are tried in order before the registry itself, as containerd does. A mirror that fails a read (down,
 * an error, an answer for other bytes than asked) is passed over for this blob's reads for a minute, as the
 * reference binds a blob to the first host that answers until it re-resolves the blob: without that, every
 * chunk read of a layer would first wait out the down mirror's retries.
 *
 * <p>Ranged bytes cannot be checked against the blob digest; callers verify them (e.g. chunk digests in a TOC).
 * What is checked here is that every byte returned came from the offset asked for.
 */
public final class RegistryBlobSource implements BlobSource {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryBlobSource.class);
    private static final long SLACK = 1 << 20;
    /** How long a redirect target or a failed mirror is remembered: the reference's default valid_interval. */
    private static final long REMEMBER_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final RegistryTransport transport;
    private final List<Endpoint> endpoints;
    private final ImageReference repository;
    private final Digest digest;
    private final long size;
    private final RegistryConfig config;
    private final AtomicBoolean singleRangeMode;
    private final AtomicReference<Redirect> redirect = new AtomicReference<>();
    /** Mirrors passed over until the given {@link System#nanoTime}, by host. */
    private final Map<String, Long> passedOver = new ConcurrentHashMap<>();

    /** Where the registry last sent this blob's GETs, via which endpoint, and until when to go there directly. */
    private record Redirect(Endpoint endpoint, HttpUrl url, long expiresAtNanos) {
    }

    /** Use {@link dev.estargz.registry.RegistryClient#openBlob}; {@code size} must be the verified blob size. */
    public RegistryBlobSource(RegistryTransport transport, List<Endpoint> endpoints, ImageReference repository,
                              Digest digest, long size, RegistryConfig config) {
        this.transport = transport;
        this.endpoints = List.copyOf(endpoints);
        this.repository = repository;
        this.digest = digest;
        this.size = size;
        this.config = config;
        this.singleRangeMode = new AtomicBoolean(config.forceSingleRange());
    }

    public Digest digest() {
        return digest;
    }

    @Override
    public long size() {
        return size;
    }

    /** True once the registry has refused a multi-range request (or single-range mode was forced). */
    public boolean singleRangeMode() {
        return singleRangeMode.get();
    }

    @Override
    public byte[] read(ByteRange range) throws IOException {
        return readOne(range, null);
    }

    /** As {@link #read(ByteRange)}; a single-range answer is told to {@code arrivals} as its body streams in. */
    @Override
    public byte[] read(ByteRange range, Arrivals arrivals) throws IOException {
        byte[] b = readOne(range, arrivals);
        arrivals.arrived(b, b.length);
        return b;
    }

    private byte[] readOne(ByteRange range, Arrivals arrivals) throws IOException {
        checkBounds(range);
        if (range.length() == 0) {
            return new byte[0];
        }
        if (range.length() > Integer.MAX_VALUE - 8) {
            throw new IOException(describe() + ": range " + range + " is too large to read into memory");
        }
        FetchedBytes got = new FetchedBytes();
        fetch(List.of(range), got, arrivals);
        return sliceOrFail(got, range);
    }

    @Override
    public List<byte[]> readAll(List<ByteRange> ranges) throws IOException {
        long total = 0;
        for (ByteRange r : ranges) {
            checkBounds(r);
            total += r.length();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IOException(describe() + ": " + total + " bytes requested at once");
        }
        FetchedBytes got = new FetchedBytes();
        for (List<ByteRange> batch : RangePlan.of(ranges, config.rangeCoalesceGap(), config.maxRangesPerRequest()).batches()) {
            if (batch.size() == 1 || singleRangeMode.get()) {
                for (ByteRange r : batch) {
                    fetch(List.of(r), got, null);
                }
            } else {
                fetch(batch, got, null);
            }
        }
        List<byte[]> out = new ArrayList<>(ranges.size());
        for (ByteRange r : ranges) {
            out.add(sliceOrFail(got, r));
        }
        return out;
    }

    private void checkBounds(ByteRange r) throws EOFException {
        if (r.end() > size) {
            throw new EOFException(describe() + ": range " + r + " reaches past the end of the blob (" + size + " bytes)");
        }
    }

    private byte[] sliceOrFail(FetchedBytes got, ByteRange r) throws RegistryException {
        byte[] b = got.slice(r);
        if (b == null) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "registry did not return range " + r,
                    repository.toString(), null, digest.toString(), null, 0, null);
        }
        return b;
    }

    /**
     * Fetches the ranges of one batch (already coalesced, sorted) into {@code got}; {@code arrivals} (or null) is
     * told of a single range's bytes as they stream in.
     */
    private void fetch(List<ByteRange> batch, FetchedBytes got, Arrivals arrivals) throws IOException {
        boolean multi = batch.size() > 1;
        Boolean direct = fetchDirect(batch, got, arrivals);
        boolean refused = direct != null ? direct : transport.firstAnswering(usableEndpoints(), ep -> {
            RegistryRequest req = rangeRequest(ep.url(repository.repository() + "/blobs/" + digest), batch);
            try {
                return transport.call(ep, req, r -> handle(ep, req, r, batch, got, arrivals));
            } catch (RegistryException e) {
                passOver(ep, e.getMessage());
                throw e;
            }
        });
        if (refused) {
            if (singleRangeMode.compareAndSet(false, true)) {
                LOG.info("{} at {} refused a multi-range request; using single ranges from now on", digest,
                        repository.registry());
            }
            for (ByteRange r : batch) {
                fetch(List.of(r), got, null);
            }
        } else if (multi && batch.stream().anyMatch(r -> got.slice(r) == null)) {
            throw new RegistryException(Kind.INVALID_RESPONSE, "multi-range answer lacks some ranges of "
                    + batch, repository.toString(), null, digest.toString(), null, 0, null);
        }
    }

    /** The endpoints to try, in order: all but the mirrors passed over; the registry itself always. */
    private List<Endpoint> usableEndpoints() {
        if (passedOver.isEmpty()) {
            return endpoints;
        }
        long now = System.nanoTime();
        passedOver.values().removeIf(until -> now - until >= 0);
        List<Endpoint> out = new ArrayList<>(endpoints.size());
        for (int i = 0; i < endpoints.size(); i++) {
            if (i == endpoints.size() - 1 || !passedOver.containsKey(endpoints.get(i).host())) {
                out.add(endpoints.get(i));
            }
        }
        return out;
    }

    /** Passes over mirror {@code ep} for this blob's reads for a while; the registry itself never. */
    private void passOver(Endpoint ep, String why) {
        if (!ep.mirror() || endpoints.size() < 2) {
            return;
        }
        if (passedOver.put(ep.host(), System.nanoTime() + REMEMBER_NANOS) == null) {
            LOG.info("{}: mirror {} failed a read ({}); this blob's reads skip it for {} s", describe(), ep.host(), why,
                    TimeUnit.NANOSECONDS.toSeconds(REMEMBER_NANOS));
        }
    }

    /**
     * Fetches the batch from the remembered redirect target; null when there is none (or it expired, or it
     * failed and was forgotten), so the caller goes through the registry.
     */
    private Boolean fetchDirect(List<ByteRange> batch, FetchedBytes got, Arrivals arrivals) {
        Redirect rd = redirect.get();
        if (rd == null) {
            return null;
        }
        if (System.nanoTime() - rd.expiresAtNanos() >= 0) {
            redirect.compareAndSet(rd, null);
            return null;
        }
        RegistryRequest req = rangeRequest(rd.url(), batch);
        try {
            return transport.call(rd.endpoint(), req, r -> handle(rd.endpoint(), req, r, batch, got, arrivals));
        } catch (IOException | RuntimeException e) {
            redirect.compareAndSet(rd, null);
            LOG.debug("{}: redirect target at {} failed ({}); asking the registry again", describe(),
                    rd.url().host(), e.getMessage());
            return null;
        }
    }

    /** A GET of this blob's ranges at {@code url} (the registry's blob URL, or where it redirected). */
    private RegistryRequest rangeRequest(HttpUrl url, List<ByteRange> batch) {
        return RegistryRequest.get(url, Headers.of("Range", RangePlan.header(batch)), List.of(scope()),
                repository.toString(), digest.toString());
    }

    /** Remembers where the registry redirected a blob GET that was answered, unless it was a downgrade to http. */
    private void rememberRedirect(Endpoint ep, RegistryRequest req, Response r) {
        HttpUrl answered = r.request().url();
        if (answered.equals(req.url()) || req.url().isHttps() && !answered.isHttps()) {
            return;
        }
        redirect.set(new Redirect(ep, answered, System.nanoTime() + REMEMBER_NANOS));
    }

    /** Reads one response; returns true when a multi-range request was refused and should be split. */
    private boolean handle(Endpoint ep, RegistryRequest req, Response r, List<ByteRange> batch, FetchedBytes got,
                           Arrivals arrivals) throws IOException {
        boolean multi = batch.size() > 1;
        long wanted = batch.stream().mapToLong(ByteRange::length).sum() + SLACK;
        if (r.code() == 206 || r.code() == 200) {
            rememberRedirect(ep, req, r);
        }
        if (r.code() == 206) {
            String boundary = MultipartByteRanges.boundary(r.header("Content-Type"));
            BufferedSource body = r.body().source();
            if (boundary != null) {
                for (MultipartByteRanges.Part p : MultipartByteRanges.parse(body, boundary, wanted)) {
                    checkTotal(ep, p.range());
                    got.put(p.range().first(), p.data());
                }
                return false;
            }
            ContentRange cr = ContentRange.parse(r.header("Content-Range"));
            checkTotal(ep, cr);
            // One range answering several is fine if it covers them all (some servers coalesce), but a range
            // much larger than the span asked for would cost memory for nothing.
            long span = batch.get(batch.size() - 1).end() - batch.get(0).offset();
            boolean covers = cr.first() <= batch.get(0).offset() && cr.last() + 1 >= batch.get(batch.size() - 1).end();
            if (!covers || cr.length() > span + SLACK) {
                if (multi) {
                    return true;
                }
                throw invalid(ep, "Content-Range " + cr.first() + "-" + cr.last() + " answers range " + batch.get(0));
            }
            got.put(cr.first(), arrivals != null && cr.first() == batch.get(0).offset()
                    ? readArriving(body, (int) cr.length(), arrivals) : body.readByteArray(cr.length()));
            return false;
        }
        if (r.code() == 200) {
            // The registry ignored Range and sends the whole blob: keep only what was asked for, as it streams by.
            long len = r.body().contentLength();
            if (len >= 0 && len != size) {
                throw invalid(ep, "sent " + len + " bytes for a " + size + "-byte blob");
            }
            BufferedSource body = r.body().source();
            long pos = 0;
            for (ByteRange br : batch) {
                body.skip(br.offset() - pos);
                got.put(br.offset(), body.readByteArray(br.length()));
                pos = br.end();
            }
            if (multi) {
                singleRangeMode.set(true);
            }
            return false;
        }
        if (multi && (r.code() == 400 || r.code() == 416 || r.code() == 501)) {
            return true;
        }
        if (r.code() == 416) {
            throw new EOFException(describe() + ": registry says range " + batch + " is not satisfiable (blob has "
                    + ContentRange.unsatisfiedTotal(r.header("Content-Range")) + " bytes)");
        }
        throw transport.error(ep, req, r);
    }

    /**
     * Reads {@code length} bytes of a body, telling {@code arrivals} after each socket read: the front of a large
     * range (the first chunks of a file) can be decoded and served while the rest is still on the wire.
     */
    private static byte[] readArriving(BufferedSource body, int length, Arrivals arrivals) throws IOException {
        byte[] data = new byte[length];
        int filled = 0;
        while (filled < length) {
            int n = body.read(data, filled, length - filled);
            if (n < 0) {
                throw new EOFException("the body ended after " + filled + " of " + length + " bytes");
            }
            filled += n;
            if (filled < length) {
                arrivals.arrived(data, filled);
            }
        }
        return data;
    }

    private void checkTotal(Endpoint ep, ContentRange cr) throws RegistryException {
        if (cr.total() >= 0 && cr.total() != size) {
            throw invalid(ep, "Content-Range says the blob has " + cr.total() + " bytes, the manifest says " + size);
        }
    }

    private RegistryException invalid(Endpoint ep, String what) {
        return new RegistryException(Kind.INVALID_RESPONSE, what, repository.toString(), ep.host(),
                digest.toString(), null, 0, null);
    }

    private String scope() {
        return "repository:" + repository.repository() + ":pull";
    }

    private String describe() {
        return repository.registry() + "/" + repository.repository() + "@" + digest;
    }

    @Override
    public String toString() {
        return "registry blob " + describe();
    }
}
