package dev.estargz.fusefs.index;

import java.util.Arrays;

/**
 * Append-only primitive arrays used while an index is built, trimmed to size at the end. Sized up front from the TOC
 * (doubling from 64 items was an eighth of what building a 6780-entry index allocated).
 */
final class Growable {
    private Growable() {
    }

    /** A growing {@code int[]}. */
    static final class Ints {
        private int[] a;
        private int n;

        /** Room for {@code capacity} items before the first copy (a guess; it grows past it). */
        Ints(int capacity) {
            a = new int[Math.max(16, capacity)];
        }

        int add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n] = v;
            return n++;
        }

        void set(int i, int v) {
            a[i] = v;
        }

        int get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return n == a.length ? a : Arrays.copyOf(a, n);
        }
    }

    /** A growing {@code long[]}. */
    static final class Longs {
        private long[] a;
        private int n;

        /** Room for {@code capacity} items before the first copy (a guess; it grows past it). */
        Longs(int capacity) {
            a = new long[Math.max(16, capacity)];
        }

        int add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n] = v;
            return n++;
        }

        void set(int i, long v) {
            a[i] = v;
        }

        int size() {
            return n;
        }

        long[] toArray() {
            return n == a.length ? a : Arrays.copyOf(a, n);
        }
    }

    /** A growing {@code byte[]}. */
    static final class Bytes {
        private byte[] a;
        private int n;

        /** Room for {@code capacity} items before the first copy (a guess; it grows past it). */
        Bytes(int capacity) {
            a = new byte[Math.max(16, capacity)];
        }

        int add(byte[] src) {
            ensure(src.length);
            System.arraycopy(src, 0, a, n, src.length);
            int at = n;
            n += src.length;
            return at;
        }

        int addInt(int v) {
            ensure(4);
            int at = n;
            a[n++] = (byte) (v >>> 24);
            a[n++] = (byte) (v >>> 16);
            a[n++] = (byte) (v >>> 8);
            a[n++] = (byte) v;
            return at;
        }

        private void ensure(int more) {
            if (n + more > a.length) {
                long want = Math.max((long) a.length * 2, (long) n + more);
                if (want > Integer.MAX_VALUE - 8) {
                    throw new IllegalStateException("index table exceeds 2 GiB");
                }
                a = Arrays.copyOf(a, (int) want);
            }
        }

        int size() {
            return n;
        }

        byte[] toArray() {
            return n == a.length ? a : Arrays.copyOf(a, n);
        }
    }
}
