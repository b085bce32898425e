package dev.dlpipe.ensemble;

import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.text.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.OneVsRest;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Spark MLlib members on the packed rows: logistic regression (multinomial), random forest, and gradient-boosted
 * trees (one-vs-rest beyond two classes, since MLlib's GBT is binary). Token-id rows become bag-of-words counts over
 * the vocabulary (a tree on id positions would split on word order). Rows come from the same minibatches, through
 * the same loader, as the networks see them.
 */
final class MllibMembers {

    static final String LR = "lr";
    static final String RF = "rf";
    static final String GBT = "gbt";

    static final StructType SCHEMA = new StructType()
            .add("ord", DataTypes.LongType)
            .add("label", DataTypes.DoubleType)
            .add("features", SQLDataTypes.VectorType());

    /** The member settings (ensemble.*). */
    record Settings(int trees, int maxDepth, int gbtIterations, long seed) {
    }

    private MllibMembers() {
    }

    /** A split's rows as (ord, label, features); ord keeps {@link SplitRows}' order. */
    static Dataset<Row> frame(SparkSession spark, List<String> refs, TensorSpec spec, int partitions) {
        List<String> numbered = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            numbered.add(i + "\t" + refs.get(i));
        }
        int classes = spec.numClasses();
        boolean tokens = spec.tokenIds();
        int vocabulary = spec.vocabularySize();
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(numbered, partitions).flatMap(line -> {
                    int tab = line.indexOf('\t');
                    long batch = Long.parseLong(line.substring(0, tab));
                    DataSet ds = new ParquetMinibatchLoader(classes).load(line.substring(tab + 1));
                    float[][] x = ds.getFeatures().toFloatMatrix();
                    int[] y = ds.getLabels().argMax(1).toIntVector();
                    List<Row> rows = new ArrayList<>(x.length);
                    for (int r = 0; r < x.length; r++) {
                        rows.add(RowFactory.create((batch << 24) | r, (double) y[r],
                                tokens ? bagOfWords(x[r], vocabulary) : dense(x[r])));
                    }
                    return rows.iterator();
                }), SCHEMA);
    }

    static Vector dense(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return Vectors.dense(d);
    }

    /** Token ids as counts per vocabulary id; padding is not a word. */
    static Vector bagOfWords(float[] ids, int vocabulary) {
        TreeMap<Integer, Double> counts = new TreeMap<>();
        for (float id : ids) {
            if (id != Vocabulary.PAD) {
                counts.merge((int) id, 1.0, Double::sum);
            }
        }
        return Vectors.sparse(vocabulary, counts.keySet().stream().mapToInt(Integer::intValue).toArray(),
                counts.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    static Model<?> fit(String kind, Dataset<Row> train, int classes, Settings s) {
        switch (kind) {
            case LR:
                return new LogisticRegression().setFamily("multinomial").setMaxIter(100).setRegParam(1e-3).fit(train);
            case RF:
                return new RandomForestClassifier().setNumTrees(s.trees()).setMaxDepth(s.maxDepth()).setSeed(s.seed())
                        .fit(train);
            case GBT:
                GBTClassifier gbt = new GBTClassifier().setMaxIter(s.gbtIterations()).setMaxDepth(Math.min(5, s.maxDepth()))
                        .setSeed(s.seed());
                return classes == 2 ? gbt.fit(train) : new OneVsRest().setClassifier(gbt).fit(train);
            default:
                throw new IllegalArgumentException("unknown MLlib member " + kind);
        }
    }

    /**
     * Probabilities [rows][classes] in ord order. One-vs-rest GBT gives each class's margin F, not a probability:
     * each becomes its binary model's probability 1 / (1 + e^(-2F)) (MLlib's logistic loss), normalized over classes.
     */
    static float[][] probabilities(Model<?> model, Dataset<Row> rows, int classes) {
        boolean oneVsRest = model instanceof org.apache.spark.ml.classification.OneVsRestModel;
        List<Row> out = model.transform(rows).select("ord", oneVsRest ? "rawPrediction" : "probability").orderBy("ord")
                .collectAsList();
        float[][] p = new float[out.size()][classes];
        for (int i = 0; i < p.length; i++) {
            double[] v = ((Vector) out.get(i).get(1)).toArray();
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                double raw = c < v.length ? v[c] : 0; // a model fitted without the top class has fewer
                double q = oneVsRest ? 1 / (1 + Math.exp(-2 * raw)) : raw;
                p[i][c] = (float) q;
                sum += q;
            }
            if (oneVsRest) {
                for (int c = 0; c < classes; c++) {
                    p[i][c] = (float) (p[i][c] / sum);
                }
            }
        }
        return p;
    }
}
