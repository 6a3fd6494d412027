package dev.estargz.fusefs.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/** Chunks on the heap, least recently used evicted first once their bytes pass the limit. */
final class MemoryLru {
    private final long limit;
    private final LinkedHashMap<String, byte[]> map = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    MemoryLru(long limit) {
        this.limit = limit;
    }

    synchronized byte[] get(String key) {
        return map.get(key);
    }

    synchronized boolean contains(String key) {
        return map.containsKey(key);
    }

    synchronized void put(String key, byte[] data) {
        if (data.length > limit / 2) {
            return; // one huge chunk would flush everything else
        }
        byte[] old = map.put(key, data);
        if (old != null) {
            bytes -= old.length;
        }
        bytes += data.length;
        Iterator<Map.Entry<String, byte[]>> it = map.entrySet().iterator();
        while (bytes > limit && it.hasNext()) {
            bytes -= it.next().getValue().length;
            it.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return map.size();
    }
}
