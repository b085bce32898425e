package dev.dlpipe.ensemble;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Stacking: a multinomial logistic regression (Spark MLlib) over the members' concatenated probabilities, fitted on
 * the validation split's predictions only. The test split is what it is judged on, so it never reaches {@link #fit};
 * its signature takes validation rows and nothing else.
 */
final class Stacking {

    private final LogisticRegressionModel model;
    private final int classes;
    private final int rows;

    private Stacking(LogisticRegressionModel model, int classes, int rows) {
        this.model = model;
        this.classes = classes;
        this.rows = rows;
    }

    static Stacking fit(SparkSession spark, List<float[][]> validation, int[] labels, int classes) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(RowFactory.create((long) i, (double) labels[i], stacked(validation, i)));
        }
        LogisticRegressionModel m = new LogisticRegression().setFamily("multinomial").setMaxIter(200).setRegParam(1e-2)
                .fit(spark.createDataFrame(rows, MllibMembers.SCHEMA));
        return new Stacking(m, classes, labels.length);
    }

    /** The meta-learner's probabilities for rows of members' probabilities (in the same member order as fitted). */
    float[][] predict(SparkSession spark, List<float[][]> members) {
        int n = members.get(0).length;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create((long) i, 0.0, stacked(members, i)));
        }
        return MllibMembers.probabilities(model, spark.createDataFrame(rows, MllibMembers.SCHEMA), classes);
    }

    LogisticRegressionModel model() {
        return model;
    }

    /** What was fitted, for ensemble.json: the model, the rows it saw, its intercepts and coefficients. */
    java.util.Map<String, Object> describe() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("model", "multinomial logistic regression, L2 0.01, on the members' probabilities");
        m.put("fitted_on_rows", rows);
        m.put("intercepts", model.interceptVector().toArray());
        org.apache.spark.ml.linalg.Matrix w = model.coefficientMatrix();
        double[][] coefficients = new double[w.numRows()][w.numCols()];
        for (int r = 0; r < w.numRows(); r++) {
            for (int c = 0; c < w.numCols(); c++) {
                coefficients[r][c] = w.apply(r, c);
            }
        }
        m.put("coefficients", coefficients);
        return m;
    }

    private static Vector stacked(List<float[][]> members, int row) {
        int classes = members.get(0)[row].length;
        double[] v = new double[members.size() * classes];
        for (int m = 0; m < members.size(); m++) {
            for (int c = 0; c < classes; c++) {
                v[m * classes + c] = members.get(m)[row][c];
            }
        }
        return Vectors.dense(v);
    }
}
