package dev.dlpipe.score;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.Evaluations;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.JavaRDD;
import dev.dlpipe.config.Config;
import dev.dlpipe.load.BlockCache;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.load.TensorBlock;
import dev.dlpipe.load.TensorShardReader;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Batch scoring with the exported model. The rows to score are tensor shards read by the same loader as training
 * (pack's Parquet, Spark/pyarrow arrays, HDF5 from h5py): the test split of a pack output or tensor dataset, or a
 * directory of shards with no split directories (new data). For a model trained on images, raw images (class
 * folders or an image table) are scored too, through the decode chain clean applied ({@link RawImageScoring}). Each Spark task scores one row group or HDF5 block,
 * {@code score.batch-size} rows per call, with the model loaded once per partition (broadcast as bytes), and
 * writes {@code predictions/}: id (the data's own {@code id} column, else {@code file#row}), label (null for
 * unlabeled rows), predicted, confidence. Inputs: the export output and the data.
 */
public final class ScoreStage implements Stage {

    static final StructType PREDICTION = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, true)
            .add("predicted", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false);

    /** Per-class precision, recall, F1 and the confusion matrix of the scored model on the scored rows. */
    public static final String EVALUATION = "evaluation.json";

    @Override
    public String name() {
        return "score";
    }

    /**
     * The rows to score: {@code data/test} when it exists, else shards directly in {@code data}; an index with no
     * shards when the data is a split layout without a test split (split.test = 0).
     */
    static ShardIndex rowsToScore(String data) {
        String test = Fs.child(data, Splits.TEST);
        if (Fs.exists(test)) {
            return ShardIndex.of(test);
        }
        ShardIndex direct = ShardIndex.of(data);
        if (direct.rows() > 0 || Fs.exists(Fs.child(data, Splits.TRAIN))) {
            return direct;
        }
        throw new UserError(data + ": nothing to score: no " + Splits.TEST + "/ directory and no tensor shards"
                + " (.parquet, .h5) in it");
    }

    /** The data's feature size against the model's, before Spark starts, when both exist already. */
    @Override
    public void preflight(Config config, List<String> inputs) {
        ScoringModel.Engine engine = ScoringModel.Engine.of(config.string("score.engine"));
        if (inputs.get(0) == null) { // export writes it in this pipeline: it must write the file the engine scores
            String format = engine.configName; // the export.formats name of the file it scores
            if (!config.list("export.formats").contains(format)) {
                throw new UserError("score.engine is " + engine.configName + " (" + config.origin("score.engine")
                        + "), but export.formats (" + config.origin("export.formats") + ") does not write " + format
                        + ": add it there, or set score.engine to one of " + config.list("export.formats"));
            }
        } else if (Fs.exists(Fs.child(inputs.get(0), ExportStage.MANIFEST))
                && !Fs.exists(Fs.child(inputs.get(0), engine.file))) {
            throw ScoringModel.Payload.missing(engine, inputs.get(0));
        }
        if (inputs.get(0) == null || inputs.get(1) == null || !Fs.exists(Fs.child(inputs.get(0), TensorSpec.FILE))
                || !Fs.exists(inputs.get(1)) || RawImageScoring.isRawImages(inputs.get(1))
                || dev.dlpipe.tabular.RawTableRows.isCsv(inputs.get(1)) || RawTextScoring.isRawText(inputs.get(1))) {
            return; // raw rows are checked row by row: each one that cannot be turned into features is quarantined
        }
        requireSameShape(TensorSpec.readFrom(inputs.get(0)), rowsToScore(inputs.get(1)), inputs.get(0));
    }

    private static void requireSameShape(TensorSpec model, ShardIndex rows, String exportDir) {
        TensorSpec data = rows.spec();
        if (data != null && data.featureSize() != model.featureSize()) {
            throw new UserError(rows.dir() + ": rows of " + data.channels() + "x" + data.height() + "x" + data.width()
                    + " = " + data.featureSize() + " values, but the model in " + exportDir + " takes "
                    + model.channels() + "x" + model.height() + "x" + model.width() + " = " + model.featureSize());
        }
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        ScoringModel.Engine engine = ScoringModel.Engine.of(ctx.config().string("score.engine"));
        TensorSpec modelSpec = TensorSpec.readFrom(ctx.input(0));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        Broadcast<ScoringModel.Payload> model = jsc.broadcast(ScoringModel.Payload.of(engine, ctx.input(0)));
        long t0 = System.nanoTime();
        int batch = ctx.config().integer("score.batch-size");
        long in;
        Map<String, Long> quarantined = Map.of();
        String scoredWhat;
        boolean rawImages = modelSpec.fromImages() && RawImageScoring.isRawImages(ctx.input(1));
        boolean rawTable = TensorSpec.TABULAR_STATS.equals(modelSpec.normalize())
                && dev.dlpipe.tabular.RawTableRows.isCsv(ctx.input(1));
        boolean rawText = modelSpec.tokenIds() && RawTextScoring.isRawText(ctx.input(1));
        if (rawImages || rawTable || rawText) {
            Dataset<Row> all = (rawImages ? RawImageScoring.score(ctx.spark(), ctx.input(0), ctx.input(1), model, batch)
                    : rawText ? RawTextScoring.score(ctx.spark(), ctx.input(0), ctx.input(1), model, batch, ctx.config())
                    : RawTableScoring.score(ctx.spark(), ctx.input(0), ctx.input(1), model, batch, ctx.config()))
                    .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
            try {
                all.filter(col(dev.dlpipe.core.Quarantine.REASON).isNull())
                        .select(col("id").cast("string").as("id"), col("label"), col("predicted"), col("confidence"))
                        .write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("predictions"));
                Dataset<Row> rejected = all.filter(col(dev.dlpipe.core.Quarantine.REASON).isNotNull())
                        .select(col("id"), col(dev.dlpipe.core.Quarantine.REASON), col(dev.dlpipe.core.Quarantine.DETAIL));
                quarantined = dev.dlpipe.core.Quarantine.countByReason(rejected);
                dev.dlpipe.core.Quarantine.write(ctx, rejected, quarantined);
                in = all.count();
            } finally {
                all.unpersist();
            }
            scoredWhat = rawImages ? "raw images, decoded as clean did" : rawText
                    ? "raw text, cleaned, tokenized and looked up in the vocabulary as for training"
                    : "raw CSV rows, through the fitted statistics";
        } else {
            ShardIndex rows = rowsToScore(ctx.input(1));
            requireSameShape(modelSpec, rows, ctx.input(0));
            writeTensorPredictions(ctx, jsc, rows, model, batch);
            in = rows.rows();
            scoredWhat = rows.rows() == 0 ? "no rows to score in " + rows.dir() + " (no test split: split.test is 0?)"
                    : "tensors";
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return summarize(ctx, modelSpec, in, quarantined, scoredWhat, engine, seconds);
    }

    private static void writeTensorPredictions(StageContext ctx, JavaSparkContext jsc, ShardIndex rows,
                                               Broadcast<ScoringModel.Payload> model, int batch) {
        List<String> blocks = new ArrayList<>();
        for (ShardIndex.Shard shard : rows.shards()) {
            long first = 0;
            for (int g = 0; g < shard.rowGroupRows().length; g++) {
                blocks.add(g + "," + first + "," + shard.uri());
                first += shard.rowGroupRows()[g];
            }
        }
        JavaRDD<Row> scored = jsc.parallelize(blocks, Math.max(1, blocks.size())).flatMap(new Predict(model, batch));
        ctx.spark().createDataFrame(scored, PREDICTION).write().mode(SaveMode.ErrorIfExists)
                .parquet(ctx.out("predictions"));
    }

    private static StageResult summarize(StageContext ctx, TensorSpec modelSpec, long in, Map<String, Long> quarantined,
                                         String scoredWhat, ScoringModel.Engine engine, double seconds) {
        Dataset<Row> predictions = ctx.spark().read().parquet(ctx.out("predictions"));
        Row summary = predictions.agg(count(lit(1)), count(col("label")),
                        sum(when(col("label").equalTo(col("predicted")), 1).otherwise(0)), avg("confidence"))
                .first();
        long scoredRows = summary.getLong(0);
        long labeled = summary.getLong(1);
        long correct = summary.isNullAt(2) ? 0 : summary.getLong(2);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("scored_rows", scoredRows);
        metrics.put("labeled_rows", labeled);
        Double accuracy = labeled == 0 ? null : Math.round(1e4 * correct / (double) labeled) / 1e4;
        metrics.put("accuracy", accuracy);
        metrics.put("mean_confidence", summary.isNullAt(3) ? null : Math.round(summary.getDouble(3) * 1e4) / 1e4);
        metrics.put("model_file", engine.file);
        metrics.put("model_format", engine.configName);
        metrics.put("scoring_seconds", Math.round(seconds * 100) / 100.0);
        metrics.put("rows_per_second", seconds > 0 ? Math.round(in / seconds) : null);
        int classes = modelSpec.numClasses();
        long[][] confusion = new long[classes][classes];
        for (Row r : predictions.filter(col("label").isNotNull()).groupBy("label", "predicted").count().collectAsList()) {
            int actual = r.getInt(0);
            int guess = r.getInt(1);
            if (actual < 0 || actual >= classes) {
                throw new UserError(ctx.input(1) + ": label " + actual + " is outside the model's " + classes
                        + " classes (0.." + (classes - 1) + ")");
            }
            confusion[actual][guess] = r.getLong(2);
        }
        if (labeled > 0) {
            Fs.writeString(ctx.out(EVALUATION), Json.write(Evaluations.fromConfusion(confusion)));
        }
        String summaryLine = scoredRows == 0 && quarantined.isEmpty() ? scoredWhat
                : labeled == 0 ? scoredRows + " unlabeled rows scored (" + engine.file + ")"
                : "accuracy " + accuracy + " on " + labeled + " labeled rows (" + engine.file + ")";
        if (scoredWhat.startsWith("raw")) {
            metrics.put("input", scoredWhat);
        }
        return StageResult.of(Counts.rows(in, scoredRows, quarantined, 0), metrics, summaryLine);
    }

    /**
     * Scores one block ({@code group,firstRowInFile,shardUri}) with the partition's model instance, in batches: at
     * most one block and one batch of outputs in memory.
     */
    static final class Predict implements FlatMapFunction<String, Row> {
        private final Broadcast<ScoringModel.Payload> model;
        private final int batch;
        private transient ScoringModel net;

        Predict(Broadcast<ScoringModel.Payload> model, int batch) {
            this.model = model;
            this.batch = batch;
        }

        @Override
        public Iterator<Row> call(String task) {
            if (net == null) {
                net = model.value().open();
            }
            String[] parts = task.split(",", 3);
            int group = Integer.parseInt(parts[0]);
            long firstRow = Long.parseLong(parts[1]);
            String shard = parts[2];
            TensorBlock block = BlockCache.read(shard, group);
            try {
                String[] ids = shard.endsWith(".parquet") ? new TensorShardReader(shard).ids(group) : null;
                String name = new org.apache.hadoop.fs.Path(shard).getName();
                List<Row> out = new ArrayList<>(block.rows());
                for (int from = 0; from < block.rows(); from += batch) {
                    int n = Math.min(batch, block.rows() - from);
                    float[][] probabilities = net.predict(block, from, n);
                    for (int i = 0; i < n; i++) {
                        int row = from + i;
                        int p = dev.dlpipe.model.Probabilities.argMax(probabilities[i]);
                        String id = ids != null && ids[row] != null ? ids[row] : name + "#" + (firstRow + row);
                        int label = block.label(row);
                        out.add(RowFactory.create(id, label < 0 ? null : label, p, probabilities[i][p]));
                    }
                }
                return out.iterator();
            } finally {
                block.release();
            }
        }
    }
}
