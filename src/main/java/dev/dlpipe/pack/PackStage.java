package dev.dlpipe.pack;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.text.TokenSequences;
import dev.dlpipe.text.Tokenizer;
import dev.dlpipe.text.Vocabulary;
import dev.dlpipe.load.ShardIndex;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.ForeachPartitionFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;

/**
 * Packs cleaned (and augmented) image tensors, a table's feature vectors (with its stats.json), or text as token
 * ids (tokenized, with a vocabulary fitted on the training split: vocabulary.txt and tokenizer.json), into the
 * training dataset: for each split, {@code pack.shards}
 * Parquet shard files written in parallel by the executors, rows hashed to shards by id and sorted by id inside a
 * shard (so the layout is deterministic), row groups of about {@code pack.row-group-mb}.
 */
public final class PackStage implements Stage {

    @Override
    public String name() {
        return "pack";
    }


    @Override
    public StageResult run(StageContext ctx) {
        boolean table = Fs.exists(Fs.child(ctx.input(0), dev.dlpipe.tabular.TabularStats.FILE));
        Dataset<org.apache.spark.sql.Row> cleaned = ctx.spark().read().parquet(Fs.child(ctx.input(0), "data"));
        List<String> columns = java.util.Arrays.asList(cleaned.columns());
        boolean text = columns.contains("text") && !columns.contains("features");
        Map<String, Object> metrics = new LinkedHashMap<>();
        TensorSpec spec;
        Dataset<TensorRow> data;
        Dataset<org.apache.spark.sql.Row> tokenized = null; // kept while the shards are written
        if (text) {
            TokenSequences.Settings ts = TokenSequences.Settings.from(ctx.config());
            tokenized = TokenSequences.tokenize(cleaned, ts);
            Vocabulary vocabulary = TokenSequences.fitVocabulary(tokenized, ts);
            Dataset<org.apache.spark.sql.Row> encoded = TokenSequences.encode(tokenized, vocabulary, ts);
            spec = textSpec(encoded, ts.length(), vocabulary.size());
            data = encoded.select(col("id"), col("label").cast("int").as("label"), col("split"), col("features"))
                    .as(Encoders.bean(TensorRow.class));
            Fs.writeString(ctx.out(Vocabulary.FILE), vocabulary.toText());
            Map<String, Object> tokenizer = new LinkedHashMap<>(ts.tokenizer().describe());
            tokenizer.put("text_cleaning", dev.dlpipe.text.CleanTextStage.Settings.from(ctx.config()).describe());
            tokenizer.put("sequence_length", ts.length());
            Fs.writeString(ctx.out(Tokenizer.FILE), dev.dlpipe.core.Json.write(tokenizer));
            metrics.put("vocabulary_size", vocabulary.size());
            metrics.put("sequence_length", ts.length());
            metrics.put("tokens_by_split", TokenSequences.coverage(encoded, ts.length()));
        } else {
            // a table's feature vector: the PCA coordinates when clean projected them, else the assembled features
            String featureColumn = table && columns.contains("pca") ? "pca" : "features";
            data = cleaned.select(col("id"), col("label").cast("int").as("label"), col("split"),
                    col(featureColumn).cast("array<float>").as("features")).as(Encoders.bean(TensorRow.class));
            spec = table ? tableSpec(cleaned, featureColumn) : TensorSpec.readFrom(ctx.input(0));
        }
        int shards = ctx.config().integer("pack.shards");
        List<String> formats = ctx.config().list("pack.formats");
        if (formats.contains("hdf5") && !dev.dlpipe.LocalPaths.isLocal(ctx.output())) {
            throw new dev.dlpipe.UserError("pack.formats includes hdf5, which libhdf5 writes to local files only; "
                    + "the output " + ctx.output() + " is not local");
        }
        if (!formats.contains("parquet")) {
            throw new dev.dlpipe.UserError("config key 'pack.formats' (" + ctx.config().origin("pack.formats")
                    + ") must include parquet: training and scoring read it");
        }
        long rowGroupBytes = ctx.config().integer("pack.row-group-mb") * 1024L * 1024L;

        long in = 0;
        long out = 0;
        Map<String, Object> perSplit = new LinkedHashMap<>();
        for (String split : Splits.ALL) {
            Dataset<TensorRow> part = data.filter(col("split").equalTo(split));
            long rows = part.count();
            in += rows;
            String dir = ctx.out(split);
            if (rows > 0) {
                part.repartition((int) Math.min(shards, rows), col("id")).sortWithinPartitions("id")
                        .foreachPartition(new WriteShard(dir, formats.contains("mmap") ? Fs.child(ctx.out("mmap"), split) : null,
                                formats.contains("hdf5") ? Fs.child(ctx.out("hdf5"), split) : null,
                                ctx.config().integer("pack.hdf5-chunk-rows"), ctx.config().integer("pack.hdf5-gzip"),
                                spec, split, rowGroupBytes));
            }
            ShardIndex index = ShardIndex.of(dir);
            if (index.rows() != rows) {
                throw new IllegalStateException("pack wrote " + index.rows() + " " + split + " rows, expected " + rows);
            }
            out += index.rows();
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rows", index.rows());
            s.put("shards", index.shards().size());
            s.put("row_groups", index.rowGroups());
            s.put("bytes", index.bytes());
            if (formats.contains("mmap") && rows > 0) {
                s.put("mmap_rows", mmapRows(Fs.child(ctx.out("mmap"), split)));
            }
            if (formats.contains("hdf5") && rows > 0) {
                s.put("hdf5_rows", hdf5Rows(Fs.child(ctx.out("hdf5"), split)));
            }
            perSplit.put(split, s);
        }
        if (tokenized != null) {
            tokenized.unpersist();
        }
        spec.writeTo(ctx.output());
        dev.dlpipe.core.CarriedFiles.carry(ctx.input(0), ctx.output());
        metrics.put("splits", perSplit);
        List<Integer> shape = List.of(spec.channels(), spec.height(), spec.width());
        metrics.put("features_shape", shape);
        metrics.put("num_classes", spec.numClasses());
        return StageResult.of(Counts.rows(in, out, Map.of(), 0), metrics, "features " + shape);
    }

    /** Text as token ids: 1 x 1 x sequence length, classes = the largest label + 1. */
    private static TensorSpec textSpec(Dataset<org.apache.spark.sql.Row> encoded, int length, int vocabularySize) {
        org.apache.spark.sql.Row r = encoded.agg(max(col("label"))).first();
        if (r.isNullAt(0)) {
            throw new dev.dlpipe.UserError("pack: the text has no rows to pack");
        }
        return new TensorSpec(1, 1, length, TensorSpec.TOKEN_IDS, ((Number) r.get(0)).intValue() + 1, vocabularySize);
    }

    /** A table's rows as flat vectors: 1 x 1 x features, classes = the largest label + 1. */
    private static TensorSpec tableSpec(Dataset<org.apache.spark.sql.Row> rows, String featureColumn) {
        org.apache.spark.sql.Row r = rows.agg(max(col("label")), max(size(col(featureColumn)))).first();
        if (r.isNullAt(0)) {
            throw new dev.dlpipe.UserError("pack: the table has no rows to pack");
        }
        return new TensorSpec(1, 1, r.getInt(1), TensorSpec.TABULAR_STATS, ((Number) r.get(0)).intValue() + 1);
    }

    private static long mmapRows(String splitDir) {
        long rows = 0;
        try {
            Path root = Fs.path(splitDir);
            for (org.apache.hadoop.fs.FileStatus st : Fs.fs(root).listStatus(root)) {
                if (st.isDirectory() && st.getPath().getName().startsWith("part-")) {
                    rows += new dev.dlpipe.load.MmapShard.Blocks(st.getPath().toString(), 4096).rows();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rows;
    }

    private static long hdf5Rows(String splitDir) {
        long rows = 0;
        java.io.File[] files = new java.io.File(dev.dlpipe.LocalPaths.stripFileScheme(splitDir))
                .listFiles(f -> f.getName().startsWith("part-") && f.getName().endsWith(".h5"));
        for (java.io.File f : files == null ? new java.io.File[0] : files) {
            try (dev.dlpipe.load.Hdf5Shard.Blocks b = new dev.dlpipe.load.Hdf5Shard.Blocks(f.toString(), 1024)) {
                rows += b.rows();
            }
        }
        return rows;
    }

    /** Writes one partition as one shard; a temporary name then a rename, so a retried task never leaves half a file. */
    static final class WriteShard implements ForeachPartitionFunction<TensorRow> {
        private final String dir;
        private final String mmapDir;
        private final String hdf5Dir;
        private final int hdf5ChunkRows;
        private final int hdf5Gzip;
        private final TensorSpec spec;
        private final String split;
        private final long rowGroupBytes;

        WriteShard(String dir, String mmapDir, String hdf5Dir, int hdf5ChunkRows, int hdf5Gzip, TensorSpec spec,
                   String split, long rowGroupBytes) {
            this.dir = dir;
            this.mmapDir = mmapDir;
            this.hdf5Dir = hdf5Dir;
            this.hdf5ChunkRows = hdf5ChunkRows;
            this.hdf5Gzip = hdf5Gzip;
            this.spec = spec;
            this.split = split;
            this.rowGroupBytes = rowGroupBytes;
        }

        @Override
        public void call(Iterator<TensorRow> rows) throws IOException {
            if (!rows.hasNext()) {
                return;
            }
            TaskContext task = TaskContext.get();
            String name = String.format("part-%05d.parquet", task.partitionId());
            Path tmp = new Path(dir, "_tmp-" + task.taskAttemptId() + "-" + name);
            Path mmapTmp = mmapDir == null ? null : new Path(mmapDir, "_tmp-" + task.taskAttemptId() + "-" + name);
            Path hdf5Tmp = hdf5Dir == null ? null
                    : new Path(hdf5Dir, "_tmp-" + task.taskAttemptId() + "-" + name.replace(".parquet", ".h5"));
            try (TensorShardWriter writer = new TensorShardWriter(tmp.toString(), spec, split, rowGroupBytes);
                 dev.dlpipe.load.MmapShard.Writer mmap = mmapTmp == null ? null
                         : new dev.dlpipe.load.MmapShard.Writer(mmapTmp.toString(), spec);
                 dev.dlpipe.load.Hdf5Shard.Writer hdf5 = hdf5Tmp == null ? null
                         : new dev.dlpipe.load.Hdf5Shard.Writer(hdf5Tmp.toString(), spec, hdf5ChunkRows, hdf5Gzip)) {
                while (rows.hasNext()) {
                    TensorRow r = rows.next();
                    if (r.getFeatures().length != spec.featureSize()) {
                        throw new IllegalStateException("row " + r.getId() + " has " + r.getFeatures().length
                                + " features, expected " + spec.featureSize());
                    }
                    writer.write(r.getId(), r.getLabel(), r.getFeatures());
                    if (mmap != null) {
                        mmap.write(r.getLabel(), r.getFeatures());
                    }
                    if (hdf5 != null) {
                        hdf5.write(r.getLabel(), r.getFeatures());
                    }
                }
            }
            publish(tmp, new Path(dir, name));
            if (mmapTmp != null) {
                publish(mmapTmp, new Path(mmapDir, name.replace(".parquet", "")));
            }
            if (hdf5Tmp != null) {
                publish(hdf5Tmp, new Path(hdf5Dir, name.replace(".parquet", ".h5")));
            }
        }

        private static void publish(Path tmp, Path target) throws IOException {
            FileSystem fs = Fs.fs(tmp);
            fs.delete(target, true);
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        }
    }
}
