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

    public static double round(double v) {
        return Double.isNaN(v) ? Double.NaN : Math.round(v * 1e4) / 1e4;
    }
}
