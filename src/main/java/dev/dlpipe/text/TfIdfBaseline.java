package dev.dlpipe.text;

import static org.apache.spark.sql.functions.col;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.CountVectorizer;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The baseline a text model has to beat: Spark MLlib's term counts (over the same tokens and vocabulary the model
 * reads), IDF weighting and multinomial logistic regression, fitted on the training split and scored on another.
 */
public final class TfIdfBaseline {

    /** L2 strength of the logistic regression; the peer script sweeps it and 0.01 was at or near the best. */
    static final double REGULARIZATION = 0.01;

    private TfIdfBaseline() {
    }

    /** Accuracy on {@code test}; both are (label, tokens) frames from {@link PackedTokens}. */
    public static Map<String, Object> evaluate(Dataset<Row> train, Dataset<Row> test, String testName) {
        long start = System.nanoTime();
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
                new CountVectorizer().setInputCol("tokens").setOutputCol("tf"),
                new IDF().setInputCol("tf").setOutputCol("features"),
                new LogisticRegression().setRegParam(REGULARIZATION).setMaxIter(200).setFamily("multinomial")})
                .fit(train);
        Dataset<Row> predicted = model.transform(test);
        long rows = predicted.count();
        long right = predicted.filter(col("prediction").equalTo(col("label"))).count();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", "Spark MLlib CountVectorizer + IDF + LogisticRegression (multinomial, L2 " + REGULARIZATION + ")");
        out.put("evaluated_on", testName);
        out.put("rows", rows);
        out.put(testName + "_accuracy", rows == 0 ? null : Math.round(right * 10000.0 / rows) / 10000.0);
        out.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        return out;
    }
}
