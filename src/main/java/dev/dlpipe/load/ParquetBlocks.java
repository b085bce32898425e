package dev.dlpipe.load;

import dev.dlpipe.image.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The row groups of a split's Parquet shards, in shard order, as blocks for {@link EpochIterator}. */
public final class ParquetBlocks implements EpochIterator.Blocks {

    private final ShardIndex index;
    private final List<int[]> groups = new ArrayList<>(); // {shard, rowGroup}

    public ParquetBlocks(ShardIndex index) {
        if (index.shards().isEmpty()) {
            throw new dev.dlpipe.core.UserError("no tensor shards in " + index.dir());
        }
        this.index = index;
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
        try (TensorShardReader reader = new TensorShardReader(index.shards().get(g[0]).uri())) {
            return reader.read(g[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public TensorSpec spec() {
        return index.spec();
    }
}
