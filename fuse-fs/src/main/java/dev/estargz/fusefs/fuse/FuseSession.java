package dev.estargz.fusefs.fuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Type;
import dev.estargz.fusefs.fetch.ServingThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted libfuse 2 file system whose requests are read and dispatched by Java threads of ours, not by
 * {@code fuse_loop_mt}'s native workers. jffi attaches a native thread to the JVM for every callback and detaches it
 * afterwards until the thread has made 1000 callbacks (its THREAD_ATTACH_THRESHOLD): on libfuse's threads that was
 * 70-100 us per FUSE request, five times the request itself (a lookup: 24 us once past the threshold), paid all
 * through a container's start. A Java thread is attached for good.
 *
 * <p>The workers grow as libfuse's do: whenever the last idle one takes a request another is started (up to
 * {@value #MAX_WORKERS}), and one that finds more than {@value #MAX_IDLE} others idle after a request ends. The session
 * ends when the kernel connection goes (unmount); the last worker out frees it.
 */
final class FuseSession {
    private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);
    private static final int MAX_WORKERS = 16;
    private static final int MAX_IDLE = 4;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    /** The parts of libfuse 2.9's API that {@code fuse_main_real} uses, minus its loop and signal handlers. */
    public interface LowLevel {
        Pointer fuse_mount(String mountpoint, Pointer args);

        void fuse_unmount(String mountpoint, Pointer ch);

        void fuse_opt_free_args(Pointer args);

        Pointer fuse_get_session(Pointer f);

        @size_t long fuse_chan_bufsize(Pointer ch);

        int fuse_chan_recv(PointerByReference ch, Pointer buf, @size_t long size);

        void fuse_session_process(Pointer se, Pointer buf, @size_t long len, Pointer ch);

        int fuse_session_exited(Pointer se);

        void fuse_exit(Pointer f);

        void fuse_destroy(Pointer f);
    }

    /** The C library's versioned symbol lookup. */
    public interface Dl {
        Pointer dlopen(String file, int mode);

        Pointer dlvsym(Pointer handle, String symbol, String version);

        String dlerror();
    }

    private static final class Lib {
        static final LowLevel FUSE = LibraryLoader.create(LowLevel.class).failImmediately().load("fuse");
        /**
         * {@code fuse_new@@FUSE_2.6}, called through jffi: a plain lookup of {@code fuse_new} finds libfuse's
         * unversioned alias of {@code fuse_new_compat2} (a 2.2 signature), which reads the arguments as garbage.
         */
        static final long FUSE_NEW = versioned("libfuse.so.2", "fuse_new", "FUSE_2.6");
        static final CallContext FUSE_NEW_CALL = CallContext.getCallContext(Type.POINTER, new Type[] {Type.POINTER,
                Type.POINTER, Type.POINTER, Type.UINT64, Type.POINTER}, CallingConvention.DEFAULT, false);

        private static long versioned(String library, String symbol, String version) {
            Dl dl = LibraryLoader.create(Dl.class).failImmediately().load("c");
            Pointer handle = dl.dlopen(library, 2); // RTLD_NOW; the library is loaded already
            Pointer fn = handle == null ? null : dl.dlvsym(handle, symbol, version);
            if (fn == null) {
                throw new UnsatisfiedLinkError(symbol + "@" + version + " in " + library + ": " + dl.dlerror());
            }
            return fn.address();
        }
    }

    /** {@code fuse_new(ch, args, op, op_size, NULL)} of libfuse 2.6+. */
    private static Pointer fuseNew(Pointer ch, Pointer args, Struct ops) {
        // jnr-fuse's table lives on the Java heap (jnr copies it out for each call that takes it): copy it to native
        // memory for this one; fuse_new copies it again into its own
        int size = Struct.size(ops);
        byte[] bytes = new byte[size];
        Struct.getMemory(ops).get(0, bytes, 0, size);
        Pointer table = Memory.allocateDirect(Runtime.getSystemRuntime(), size, false);
        table.put(0, bytes, 0, size);
        long f = Invoker.getInstance().invokeN5(Lib.FUSE_NEW_CALL, Lib.FUSE_NEW, ch.address(), args.address(),
                table.address(), size, 0L);
        return f == 0 ? null : Pointer.wrap(Runtime.getSystemRuntime(), f);
    }

    private final Runtime runtime = Runtime.getSystemRuntime();
    /** Held while the workers run: jnr's native callbacks reach their Java targets through weak references. */
    private final LayerFuseAdapter callbacks;
    private final String name;
    private final Pointer fuse;
    private final Pointer session;
    private final Pointer chan;
    private final long bufSize;
    /** The native argument vector, kept while libfuse may point into it. */
    private final List<Pointer> argMemory;
    private final AtomicInteger workers = new AtomicInteger();
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicBoolean freed = new AtomicBoolean();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    private FuseSession(LayerFuseAdapter callbacks, String name, Pointer fuse, Pointer chan, List<Pointer> argMemory) {
        this.callbacks = callbacks;
        this.name = name;
        this.fuse = fuse;
        this.chan = chan;
        this.argMemory = argMemory;
        this.session = Lib.FUSE.fuse_get_session(fuse);
        this.bufSize = Lib.FUSE.fuse_chan_bufsize(chan);
    }

    /**
     * Mounts {@code adapter}'s callbacks at {@code dir} with the {@code -o} options in {@code options} and starts
     * serving them on threads named {@code name-N}.
     */
    static FuseSession mount(LayerFuseAdapter adapter, Path dir, List<String> options, String name)
            throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add("estargz");
        argv.addAll(options);
        Runtime rt = Runtime.getSystemRuntime();
        List<Pointer> memory = new ArrayList<>();
        Pointer vector = Memory.allocateDirect(rt, (argv.size() + 1) * 8L, true);
        memory.add(vector);
        for (int i = 0; i < argv.size(); i++) {
            byte[] s = argv.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer p = Memory.allocateDirect(rt, s.length + 1, true);
            p.put(0, s, 0, s.length);
            memory.add(p);
            vector.putPointer(i * 8L, p);
        }
        // struct fuse_args { int argc; char **argv; int allocated; }
        Pointer args = Memory.allocateDirect(rt, 24, true);
        memory.add(args);
        args.putInt(0, argv.size());
        args.putPointer(8, vector);
        args.putInt(16, 0);
        String mountpoint = dir.toString();
        Pointer ch = Lib.FUSE.fuse_mount(mountpoint, args);
        if (ch == null) {
            Lib.FUSE.fuse_opt_free_args(args);
            throw new IOException("fuse_mount failed at " + mountpoint + " (libfuse's message is on stderr)");
        }
        Pointer f = fuseNew(ch, args, adapter.operations());
        Lib.FUSE.fuse_opt_free_args(args);
        if (f == null) {
            Lib.FUSE.fuse_unmount(mountpoint, ch);
            throw new IOException("fuse_new failed for " + mountpoint + " (libfuse's message is on stderr)");
        }
        FuseSession s = new FuseSession(adapter, name, f, ch, memory);
        s.startWorker();
        return s;
    }

    /** Completes once every worker has left and the session is freed (after an unmount). */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Asks the workers to stop (the unmount itself ends their reads). */
    void exit() {
        if (!freed.get()) {
            Lib.FUSE.fuse_exit(fuse);
        }
    }

    private void startWorker() {
        workers.incrementAndGet();
        idle.incrementAndGet();
        int n = started.incrementAndGet();
        ServingThreads.create(this::work, n == 1 ? name : name + "-" + n).start();
    }

    private void work() {
        Pointer buf = Memory.allocateDirect(runtime, bufSize, false);
        boolean idleHere = true;
        try {
            while (Lib.FUSE.fuse_session_exited(session) == 0) {
                PointerByReference ch = new PointerByReference(chan);
                int res = Lib.FUSE.fuse_chan_recv(ch, buf, bufSize);
                if (res == -EINTR || res == -EAGAIN) {
                    continue;
                }
                if (res <= 0) {
                    break; // 0: unmounted (or exited); other errors libfuse has printed
                }
                idleHere = false;
                if (idle.decrementAndGet() == 0 && workers.get() < MAX_WORKERS) {
                    startWorker();
                }
                Lib.FUSE.fuse_session_process(session, buf, res, ch.getValue());
                idleHere = true;
                if (idle.incrementAndGet() > MAX_IDLE) {
                    return; // enough others wait; the finally block leaves
                }
            }
            // this worker saw the end: make sure the others do too
            Lib.FUSE.fuse_exit(fuse);
        } catch (Throwable t) {
            LOG.error("FUSE worker {} failed", Thread.currentThread().getName(), t);
        } finally {
            if (idleHere) {
                idle.decrementAndGet();
            }
            if (workers.decrementAndGet() == 0 && Lib.FUSE.fuse_session_exited(session) != 0
                    && freed.compareAndSet(false, true)) {
                Lib.FUSE.fuse_destroy(fuse);
                argMemory.clear();
                ended.complete(null);
            }
        }
    }
}
