package dev.dlpipe.load;

import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The row groups of a split's Parquet shards, in shard order, as blocks for {@link EpochIterator}. Each shard's footer
 * is parsed once per iterator (readers hold no open files), not once per row group.
 */
public final class ParquetBlocks implements EpochIterator.Blocks {

    private final ShardIndex index;
    private final List<int[]> groups = new ArrayList<>(); // {shard, rowGroup}
    private final TensorShardReader[] readers;

    public ParquetBlocks(ShardIndex index) {
        if (index.shards().isEmpty()) {
            throw new dev.dlpipe.UserError("no tensor shards in " + index.dir());
        }
        this.index = index;
        this.readers = new TensorShardReader[index.shards().size()];
        for (int s = 0; s < index.shards().size(); s++) {
            for (int g = 0; g < index.shards().get(s).rowGroupRows().length; g++) {
                groups.add(new int[] {s, g});
            }
        }
    }

    @Override
    public int count() {
        return groups.size();
    }

    @Override
    public TensorBlock read(int i) {
        int[] g = groups.get(i);
        synchronized (readers) {
            if (readers[g[0]] == null) {
                readers[g[0]] = new TensorShardReader(index.shards().get(g[0]).uri());
            }
        }
        return readers[g[0]].read(g[1]);
    }

    @Override
    public TensorSpec spec() {
        return index.spec();
    }
}
