package dev.dlpipe.load;

import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/** Several block sources (the shards of a split) as one, shard after shard; they must share one tensor spec. */
public final class ConcatBlocks implements EpochIterator.Blocks {

    private final List<EpochIterator.Blocks> parts;
    private final List<int[]> index = new ArrayList<>(); // {part, block}

    public ConcatBlocks(List<? extends EpochIterator.Blocks> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no shards");
        }
        this.parts = List.copyOf(parts);
        for (int p = 0; p < parts.size(); p++) {
            if (!parts.get(p).spec().equals(parts.get(0).spec())) {
                throw new dev.dlpipe.UserError("shard " + p + " has tensor spec " + parts.get(p).spec()
                        + ", shard 0 has " + parts.get(0).spec());
            }
            for (int b = 0; b < parts.get(p).count(); b++) {
                index.add(new int[] {p, b});
            }
        }
    }

    @Override
    public int count() {
        return index.size();
    }

    @Override
    public TensorBlock read(int i) {
        int[] at = index.get(i);
        return parts.get(at[0]).read(at[1]);
    }

    @Override
    public TensorSpec spec() {
        return parts.get(0).spec();
    }
}
