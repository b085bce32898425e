package dev.dlpipe.load;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-JVM cache of decoded row groups, least recently used first out, bounded in bytes
 * ({@code -Ddlpipe.loader.cache-mb}, default 256). The Spark file route loads one minibatch per call; without this
 * every minibatch of a row group would decode the whole row group again.
 */
public final class BlockCache {

    private static final long LIMIT = Long.getLong("dlpipe.loader.cache-mb", 256L) * 1024 * 1024;
    private static final LinkedHashMap<String, TensorBlock> CACHE = new LinkedHashMap<>(16, 0.75f, true);
    private static long bytes;

    private BlockCache() {
    }

    /**
     * Row group {@code index} of a Parquet shard, or block {@code index} of an HDF5 file (as {@link ShardIndex} cut
     * it), uncached: for readers that see each block once. The caller releases it.
     */
    public static TensorBlock read(String shard, int index) {
        if (Hdf5Shard.isHdf5(shard)) {
            try (Hdf5Shard.Blocks blocks = new Hdf5Shard.Blocks(shard)) {
                return blocks.read(index);
            }
        }
        return new TensorShardReader(shard).read(index);
    }

    public static TensorBlock get(String shard, int rowGroup) {
        String key = shard + "#" + rowGroup;
        synchronized (CACHE) {
            TensorBlock e = CACHE.get(key);
            if (e != null) {
                return e;
            }
        }
        TensorBlock loaded = read(shard, rowGroup);
        synchronized (CACHE) {
            if (CACHE.put(key, loaded) == null) {
                bytes += loaded.bytes();
            }
            Iterator<Map.Entry<String, TensorBlock>> it = CACHE.entrySet().iterator();
            while (bytes > LIMIT && it.hasNext()) {
                Map.Entry<String, TensorBlock> eldest = it.next();
                if (eldest.getKey().equals(key)) {
                    continue;
                }
                bytes -= eldest.getValue().bytes();
                it.remove();
            }
        }
        return loaded;
    }
}
