package dev.dlpipe.score;

import dev.dlpipe.model.Network;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores raw rows turned into features, {@code batch} at a time, into rows of {@link RawImageScoring#SCORED}: a
 * prediction, or a row that could not be turned into features with its quarantine reason. Labels are optional; a
 * label name is matched against the export's class names, else read as a class index.
 */
final class BatchPredictor {

    private final Network net;
    private final int batch;
    private final List<String> classNames;
    private final List<Row> out = new ArrayList<>();
    private final List<Object[]> pending = new ArrayList<>();
    private final List<float[]> features = new ArrayList<>();

    BatchPredictor(Network net, int batch, List<String> classNames) {
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
        INDArray probabilities = net.output(Nd4j.create(flat, new long[] {n, size}, 'c'));
        INDArray predicted = probabilities.argMax(1);
        for (int i = 0; i < n; i++) {
            int p = predicted.getInt(i);
            out.add(RowFactory.create(pending.get(i)[0], pending.get(i)[1], p, probabilities.getFloat(i, p), null, null));
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
