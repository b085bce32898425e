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
 * What a split directory of tensor shards holds, from the footers alone (no feature data is read): the shards in
 * name order, rows per row group, and the tensor spec. Shards are Parquet files (pack's, or Spark/pyarrow arrays)
 * or HDF5 files as h5py writes them, whose rows are cut into blocks that play the part of row groups (an HDF5 file's
 * class count costs one pass over its labels). It also cuts the data into minibatch references for the Spark file
 * route, which reads both kinds through {@link BlockCache}.
 */
public record ShardIndex(String dir, List<Shard> shards, TensorSpec spec, long[] labelRange) {

    /** One shard file and the row count of each of its row groups (HDF5: of each block). */
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
        long[] range = null; // null once any shard cannot tell
        boolean rangeKnown = true;
        try {
            if (!fs.exists(root)) {
                return new ShardIndex(dir, List.of(), null, null);
            }
            FileStatus[] files = fs.listStatus(root, p -> (p.getName().endsWith(".parquet")
                    || Hdf5Shard.isHdf5(p.getName())) && !p.getName().startsWith("_") && !p.getName().startsWith("."));
            Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            for (FileStatus st : files) {
                String uri = fs.makeQualified(st.getPath()).toString();
                if (Hdf5Shard.isHdf5(uri)) {
                    if (!dev.dlpipe.LocalPaths.isLocal(uri)) {
                        throw new UserError(uri + ": HDF5 files are read through libhdf5, which needs a local (or"
                                + " mounted) file; put it on a shared mount, or convert it to Parquet");
                    }
                    try (Hdf5Shard.Blocks h5 = new Hdf5Shard.Blocks(uri)) {
                        spec = merge(spec, h5.spec(), false, uri, dir);
                        int[] r = h5.labelRange();
                        range = widen(range, new long[] {r[0], r[1]});
                        shards.add(hdf5(uri, st.getLen(), h5));
                    }
                    continue;
                }
                TensorShardReader reader = new TensorShardReader(uri);
                TensorSpec s = reader.spec();
                spec = merge(spec, s, reader.specFromFooter(), uri, dir);
                long[] r = reader.labelRange();
                rangeKnown &= r != null;
                range = r == null ? range : widen(range, r);
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
        return new ShardIndex(dir, List.copyOf(shards), spec, rangeKnown ? range : null);
    }

    /**
     * One more shard's spec into the running one. An inferred class count (from label statistics or an HDF5 label
     * pass) may differ between shards, since one shard may simply not hold the largest class: the largest wins.
     */
    private static TensorSpec merge(TensorSpec spec, TensorSpec s, boolean fromFooter, String uri, String dir) {
        if (spec == null) {
            return s;
        }
        if (!fromFooter && spec.featureSize() == s.featureSize() && spec.channels() == s.channels()
                && spec.height() == s.height()) {
            return s.withClasses(Math.max(spec.numClasses(), s.numClasses()));
        }
        if (!spec.equals(s)) {
            throw new UserError(uri + ": tensor spec " + s + " differs from " + spec + " of the other shards in " + dir);
        }
        return spec;
    }

    private static long[] widen(long[] range, long[] r) {
        return range == null ? r : new long[] {Math.min(range[0], r[0]), Math.max(range[1], r[1])};
    }

    /**
     * A classifier needs two classes: an error naming the split when its labels (from footer statistics or the HDF5
     * label pass) are all one value. False when the shards cannot tell (no statistics): the caller checks by reading.
     */
    public boolean checkedTwoClasses() {
        if (labelRange == null) {
            return false;
        }
        if (labelRange[0] < 0) {
            throw new UserError(dir + ": " + (labelRange[1] < 0 ? "no labels" : "some shards have no labels")
                    + " (a Parquet 'label' column or an HDF5 'labels'/'y' dataset); training needs a class index per row");
        }
        if (labelRange[0] == labelRange[1]) {
            throw new UserError(dir + ": the training split has a single class (" + labelRange[0]
                    + "); a classifier needs at least two");
        }
        return true;
    }

    /** An HDF5 file as a shard: its rows cut into blocks of {@link Hdf5Shard#blockRows} rows. */
    private static Shard hdf5(String uri, long bytes, Hdf5Shard.Blocks b) {
        int per = b.rowsPerBlock();
        long n = b.rows();
        long[] groups = new long[(int) ((n + per - 1) / per)];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = Math.min(per, n - (long) i * per);
        }
        return new Shard(uri, bytes, groups);
    }

    /** Whether every row has a label (false for data to score that has none). */
    public boolean labeled() {
        return labelRange == null || labelRange[0] >= 0;
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
