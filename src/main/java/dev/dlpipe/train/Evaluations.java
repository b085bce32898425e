package dev.dlpipe.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.Evaluation;

/** Classification metrics as plain maps for manifests and reports. */
public final class Evaluations {

    private Evaluations() {
    }

    public static Map<String, Object> toMap(Evaluation e, int numClasses) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", e.getNumRowCounter());
        m.put("accuracy", round(e.accuracy()));
        m.put("macro_f1", round(e.f1()));
        List<Map<String, Object>> perClass = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("class", c);
            pc.put("precision", round(e.precision(c)));
            pc.put("recall", round(e.recall(c)));
            pc.put("f1", round(e.f1(c)));
            pc.put("support", e.getConfusionMatrix().getActualTotal(c));
            perClass.add(pc);
        }
        m.put("per_class", perClass);
        int[][] confusion = new int[numClasses][numClasses];
        for (int a = 0; a < numClasses; a++) {
            for (int p = 0; p < numClasses; p++) {
                confusion[a][p] = e.getConfusionMatrix().getCount(a, p);
            }
        }
        m.put("confusion_matrix", confusion);
        return m;
    }

    /**
     * The same map from a confusion matrix ({@code confusion[actual][predicted]}), for predictions made outside
     * DL4J's evaluator (score counts them with Spark). A class never predicted has precision 0, never seen recall 0.
     */
    public static Map<String, Object> fromConfusion(long[][] confusion) {
        int k = confusion.length;
        long total = 0;
        long correct = 0;
        long[] actual = new long[k];
        long[] predicted = new long[k];
        for (int a = 0; a < k; a++) {
            for (int p = 0; p < k; p++) {
                total += confusion[a][p];
                actual[a] += confusion[a][p];
                predicted[p] += confusion[a][p];
            }
            correct += confusion[a][a];
        }
        List<Map<String, Object>> perClass = new ArrayList<>();
        double f1Sum = 0;
        for (int c = 0; c < k; c++) {
            double precision = predicted[c] == 0 ? 0 : confusion[c][c] / (double) predicted[c];
            double recall = actual[c] == 0 ? 0 : confusion[c][c] / (double) actual[c];
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            f1Sum += f1;
            Map<String, Object> pc = new LinkedHashMap<>();
            pc.put("class", c);
            pc.put("precision", round(precision));
            pc.put("recall", round(recall));
            pc.put("f1", round(f1));
            pc.put("support", actual[c]);
            perClass.add(pc);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("examples", total);
        m.put("accuracy", total == 0 ? null : round(correct / (double) total));
        m.put("macro_f1", k == 0 ? null : round(f1Sum / k));
        m.put("per_class", perClass);
        m.put("confusion_matrix", confusion);
        return m;
    }

    public static double round(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 1e4) / 1e4;
    }
}
