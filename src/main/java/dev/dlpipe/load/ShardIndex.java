package dev.dlpipe.load;

import dev.dlpipe.core.Fs;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.metadata.BlockMetaData;

/**
 * What a split directory of tensor shards holds, from the footers alone (no data is read): the shards in name
 * order, rows per row group, and the tensor spec. It also cuts the data into minibatch references for the
 * Spark file route.
 */
public record ShardIndex(String dir, List<Shard> shards, TensorSpec spec) {

    /** One shard file and the row count of each of its row groups. */
    public record Shard(String uri, long bytes, long[] rowGroupRows) {
        public long rows() {
            return Arrays.stream(rowGroupRows).sum();
        }
    }

    public static ShardIndex of(String dir) {
        Path root = Fs.path(dir);
        FileSystem fs = Fs.fs(root);
        List<Shard> shards = new ArrayList<>();
        TensorSpec spec = null;
        try {
            if (!fs.exists(root)) {
                return new ShardIndex(dir, List.of(), null);
            }
            FileStatus[] files = fs.listStatus(root, p -> p.getName().endsWith(".parquet")
                    && !p.getName().startsWith("_") && !p.getName().startsWith("."));
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus st : files) {
                String uri = fs.makeQualified(st.getPath()).toString();
                TensorShardReader reader = new TensorShardReader(uri);
                TensorSpec s = reader.spec();
                if (spec != null && !reader.specFromFooter() && spec.featureSize() == s.featureSize()) {
                    // inferred from label statistics: one shard may simply not hold the largest class
                    spec = new TensorSpec(s.channels(), s.height(), s.width(), s.normalize(),
                            Math.max(spec.numClasses(), s.numClasses()));
                } else if (spec == null) {
                    spec = s;
                } else if (!spec.equals(s)) {
                    throw new UserError(uri + ": tensor spec " + reader.spec() + " differs from " + spec
                            + " of the other shards in " + dir);
                }
                List<BlockMetaData> groups = reader.rowGroups();
                long[] rows = new long[groups.size()];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = groups.get(i).getRowCount();
                }
                shards.add(new Shard(uri, st.getLen(), rows));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return new ShardIndex(dir, List.copyOf(shards), spec);
    }

    public long rows() {
        return shards.stream().mapToLong(Shard::rows).sum();
    }

    public long bytes() {
        return shards.stream().mapToLong(Shard::bytes).sum();
    }

    public int rowGroups() {
        return shards.stream().mapToInt(s -> s.rowGroupRows().length).sum();
    }

    /** Minibatch references of at most {@code batchSize} rows; a batch never spans two row groups. */
    public List<String> minibatches(int batchSize) {
        List<String> refs = new ArrayList<>();
        for (Shard shard : shards) {
            for (int g = 0; g < shard.rowGroupRows().length; g++) {
                long n = shard.rowGroupRows()[g];
                for (long from = 0; from < n; from += batchSize) {
                    refs.add(MinibatchRef.encode(shard.uri(), g, (int) from, (int) Math.min(batchSize, n - from)));
                }
            }
        }
        return refs;
    }
}
