package dev.dlpipe.score;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Quarantine;
import dev.dlpipe.export.ExportStage;
import java.util.Iterator;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores raw rows turned into features, {@code batch} at a time, into rows of {@link #SCORED}: a
 * prediction, or a row that could not be turned into features with its quarantine reason. Labels are optional; a
 * label name is matched against the export's class names, else read as a class index.
 */
final class BatchPredictor {

    /** What raw scoring returns per input row: a prediction, or the reason the row could not be scored. */
    static final StructType SCORED = new StructType()
            .add("id", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true)
            .add("predicted", DataTypes.IntegerType, true)
            .add("confidence", DataTypes.FloatType, true)
            .add(Quarantine.REASON, DataTypes.StringType, true)
            .add(Quarantine.DETAIL, DataTypes.StringType, true);

    /**
     * A partition of raw rows scored with one model instance: the kind of data says only how one row becomes
     * features ({@link #score}); loading the model, batching and the output rows are shared.
     */
    abstract static class PartitionScorer implements MapPartitionsFunction<Row, Row> {
        private final Broadcast<ScoringModel.Payload> model;
        private final int batch;
        private final List<String> classNames;

        PartitionScorer(Broadcast<ScoringModel.Payload> model, int batch, List<String> classNames) {
            this.model = model;
            this.batch = batch;
            this.classNames = classNames;
        }

        /** Turns one raw row into features and {@link #add}s it, or {@link #reject}s it with a reason. */
        abstract void score(Row row, BatchPredictor predictor);

        @Override
        public Iterator<Row> call(Iterator<Row> input) {
            BatchPredictor predictor = new BatchPredictor(model.value().open(), batch, classNames);
            while (input.hasNext()) {
                score(input.next(), predictor);
            }
            return predictor.finish().iterator();
        }
    }

    /**
     * Rows already turned into features by Spark expressions: (id, label, features as an array of numbers, the
     * quarantine reason, its detail). A row with a reason is rejected with it; the others are scored.
     */
    static final class FeatureRows extends PartitionScorer {

        FeatureRows(Broadcast<ScoringModel.Payload> model, int batch, List<String> classNames) {
            super(model, batch, classNames);
        }

        @Override
        void score(Row r, BatchPredictor predictor) {
            String id = r.getString(0);
            String label = r.isNullAt(1) ? null : r.getString(1);
            int reason = r.fieldIndex(dev.dlpipe.core.Quarantine.REASON);
            if (!r.isNullAt(reason)) {
                predictor.reject(id, label, r.getString(reason),
                        r.getString(r.fieldIndex(dev.dlpipe.core.Quarantine.DETAIL)));
                return;
            }
            List<? extends Number> values = r.getList(2);
            float[] f = new float[values.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = values.get(i).floatValue();
            }
            predictor.add(id, label, f);
        }
    }

    /** The class names in the export manifest (clean's names, or the label numbers). */
    @SuppressWarnings("unchecked")
    static List<String> classNames(String exportDir) {
        Object names = Json.readMap(Fs.readString(Fs.child(exportDir, ExportStage.MANIFEST))).get("class_names");
        return names instanceof List<?> l ? new ArrayList<>((List<String>) l) : List.of();
    }

    private final ScoringModel net;
    private final int batch;
    private final List<String> classNames;
    private final List<Row> out = new ArrayList<>();
    private final List<Object[]> pending = new ArrayList<>();
    private final List<float[]> features = new ArrayList<>();

    BatchPredictor(ScoringModel net, int batch, List<String> classNames) {
        this.net = net;
        this.batch = batch;
        this.classNames = classNames;
    }

    void add(String id, String label, float[] row) {
        pending.add(new Object[] {id, label(label)});
        features.add(row);
        if (pending.size() == batch) {
            flush();
        }
    }

    void reject(String id, String label, String reason, String detail) {
        out.add(RowFactory.create(id, label(label), null, null, reason, detail));
    }

    /** Every row added so far, predicted. */
    List<Row> finish() {
        flush();
        return out;
    }

    private void flush() {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        int size = features.get(0).length;
        float[] flat = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(features.get(i), 0, flat, i * size, size);
        }
        float[][] probabilities = net.predict(flat, n, size);
        for (int i = 0; i < n; i++) {
            int p = dev.dlpipe.model.Probabilities.argMax(probabilities[i]);
            out.add(RowFactory.create(pending.get(i)[0], pending.get(i)[1], p, probabilities[i][p], null, null));
        }
        pending.clear();
        features.clear();
    }

    private Integer label(String name) {
        if (name == null) {
            return null;
        }
        int i = classNames.indexOf(name);
        if (i >= 0) {
            return i;
        }
        try {
            return Integer.valueOf(name.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
