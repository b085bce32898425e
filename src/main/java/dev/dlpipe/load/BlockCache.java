package dev.dlpipe.load;

import dev.dlpipe.image.TensorSpec;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-JVM cache of decoded row groups, least recently used first out, bounded in bytes
 * ({@code -Ddlpipe.loader.cache-mb}, default 256). The Spark file route loads one minibatch per call; without this
 * every minibatch of a row group would decode the whole row group again.
 */
public final class BlockCache {

    /** A decoded row group and the spec of the shard it came from. */
    public record Entry(TensorSpec spec, TensorBlock block) {
    }

    private static final long LIMIT = Long.getLong("dlpipe.loader.cache-mb", 256L) * 1024 * 1024;
    private static final LinkedHashMap<String, Entry> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long bytes;

    private BlockCache() {
    }

    public static Entry get(String shard, int rowGroup) {
        String key = shard + "#" + rowGroup;
        synchronized (CACHE) {
            Entry e = CACHE.get(key);
            if (e != null) {
                return e;
            }
        }
        TensorShardReader reader = new TensorShardReader(shard);
        Entry loaded = new Entry(reader.spec(), reader.read(rowGroup));
        synchronized (CACHE) {
            if (CACHE.put(key, loaded) == null) {
                bytes += loaded.block().bytes();
            }
            Iterator<Map.Entry<String, Entry>> it = CACHE.entrySet().iterator();
            while (bytes > LIMIT && it.hasNext()) {
                Map.Entry<String, Entry> eldest = it.next();
                if (eldest.getKey().equals(key)) {
                    continue;
                }
                bytes -= eldest.getValue().block().bytes();
                it.remove();
            }
        }
        return loaded;
    }
}
