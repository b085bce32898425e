package dev.dlpipe.score;

import static org.apache.spark.sql.functions.*;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.Evaluations;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch scoring with the exported model: Spark reads the packed test shards with its own Parquet reader, each
 * partition loads the model once (broadcast as bytes) and scores {@code score.batch-size} rows per call, writing
 * {@code predictions/} (id, label, predicted, confidence). Inputs: the export output and the pack output.
 */
public final class ScoreStage implements Stage {

    static final StructType PREDICTION = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("label", DataTypes.IntegerType, false)
            .add("predicted", DataTypes.IntegerType, false)
            .add("confidence", DataTypes.FloatType, false);

    /** Per-class precision, recall, F1 and the confusion matrix of the scored model on the scored rows. */
    public static final String EVALUATION = "evaluation.json";

    @Override
    public String name() {
        return "score";
    }


    @Override
    public StageResult run(StageContext ctx) throws IOException {
        Network net = Models.read(ExportStage.verifiedModel(ctx.input(0)));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        Broadcast<byte[]> model = jsc.broadcast(Models.bytes(net));
        int batch = ctx.config().integer("score.batch-size");

        Dataset<Row> rows = ctx.spark().read().parquet(Fs.child(ctx.input(1), Splits.TEST))
                .select("id", "label", "features");
        Dataset<Row> predictions = rows.mapPartitions(new Predict(model, batch), Encoders.row(PREDICTION));
        predictions.write().mode(SaveMode.ErrorIfExists).parquet(ctx.out("predictions"));

        Row summary = ctx.spark().read().parquet(ctx.out("predictions"))
                .agg(count(lit(1)), sum(when(col("label").equalTo(col("predicted")), 1).otherwise(0)),
                        avg("confidence"))
                .first();
        long scored = summary.getLong(0);
        long correct = summary.isNullAt(1) ? 0 : summary.getLong(1);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("scored_rows", scored);
        Double accuracy = scored == 0 ? null : Math.round(1e4 * correct / (double) scored) / 1e4;
        metrics.put("accuracy", accuracy);
        metrics.put("mean_confidence", summary.isNullAt(2) ? null : Math.round(summary.getDouble(2) * 1e4) / 1e4);
        metrics.put("model_file", ExportStage.MODEL);
        metrics.put("model_format", "dl4j");
        int classes = TensorSpec.readFrom(ctx.input(0)).numClasses();
        long[][] confusion = new long[classes][classes];
        for (Row r : ctx.spark().read().parquet(ctx.out("predictions")).groupBy("label", "predicted").count()
                .collectAsList()) {
            int actual = r.getInt(0);
            int guess = r.getInt(1);
            if (actual < 0 || actual >= classes || guess < 0 || guess >= classes) {
                throw new UserError(ctx.input(1) + ": test label " + actual + " or prediction " + guess
                        + " is outside the model's " + classes + " classes");
            }
            confusion[actual][guess] = r.getLong(2);
        }
        Fs.writeString(ctx.out(EVALUATION), Json.write(Evaluations.fromConfusion(confusion)));
        return StageResult.of(Counts.rows(rows.count(), scored, Map.of(), 0), metrics, "accuracy "
                + accuracy + " on " + scored + " rows (" + ExportStage.MODEL + ")");
    }

    /** Scores a partition in batches with one model instance. */
    static final class Predict implements MapPartitionsFunction<Row, Row> {
        private final Broadcast<byte[]> model;
        private final int batch;

        Predict(Broadcast<byte[]> model, int batch) {
            this.model = model;
            this.batch = batch;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> input) throws IOException {
            Network net = Models.fromBytes(model.value(), "the broadcast model");
            // streams: at most one batch of inputs and one of predictions in memory, whatever the partition size
            return new Iterator<>() {
                private final List<Row> pending = new ArrayList<>(batch);
                private final List<Row> scored = new ArrayList<>(batch);
                private int next;

                @Override
                public boolean hasNext() {
                    if (next < scored.size()) {
                        return true;
                    }
                    scored.clear();
                    next = 0;
                    while (input.hasNext() && pending.size() < batch) {
                        pending.add(input.next());
                    }
                    if (pending.isEmpty()) {
                        return false;
                    }
                    score(net, pending, scored);
                    pending.clear();
                    return true;
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return scored.get(next++);
                }
            };
        }

        private static void score(Network net, List<Row> rows, List<Row> out) {
            int n = rows.size();
            int size = ((byte[]) rows.get(0).get(2)).length / Float.BYTES;
            float[] features = new float[n * size];
            for (int i = 0; i < n; i++) {
                ByteBuffer.wrap((byte[]) rows.get(i).get(2)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .get(features, i * size, size);
            }
            INDArray probabilities = net.output(Nd4j.create(features, new long[] {n, size}, 'c'));
            INDArray predicted = probabilities.argMax(1);
            for (int i = 0; i < n; i++) {
                int p = predicted.getInt(i);
                out.add(RowFactory.create(rows.get(i).getString(0), rows.get(i).getInt(1), p,
                        probabilities.getFloat(i, p)));
            }
        }
    }
}
