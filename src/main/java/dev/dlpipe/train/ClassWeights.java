package dev.dlpipe.train;

import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import java.util.Arrays;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * {@code train.class-weights: balanced}: each class's loss weighted by rows / (classes x rows of the class) on the
 * training split, scikit-learn's {@code class_weight='balanced'}, so a rare class counts as much as a common one.
 * The weights go into the output layer's loss, which the model file keeps and every executor's copy uses.
 */
public final class ClassWeights {

    private ClassWeights() {
    }

    /** Rows per class in the training split, counted by the executors through the training loader. */
    public static long[] count(JavaSparkContext jsc, ShardIndex train, int classes, int partitions) {
        double[] sums = jsc.parallelize(train.minibatches(1024), partitions)
                .map(ref -> new ParquetMinibatchLoader(classes).load(ref).getLabels().sum(0).toDoubleVector())
                .reduce((a, b) -> {
                    double[] c = a.clone();
                    for (int i = 0; i < c.length; i++) {
                        c[i] += b[i];
                    }
                    return c;
                });
        return Arrays.stream(sums).mapToLong(Math::round).toArray();
    }

    /** Balanced weights; a class without rows gets weight 0 (it contributes no loss anyway). */
    public static double[] balanced(long[] counts) {
        long total = Arrays.stream(counts).sum();
        int present = (int) Arrays.stream(counts).filter(c -> c > 0).count();
        double[] w = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            w[i] = counts[i] == 0 ? 0 : total / ((double) present * counts[i]);
        }
        return w;
    }

    /** Replaces the output layer's cross-entropy with the weighted one. */
    public static void apply(Model net, double[] weights) {
        org.deeplearning4j.nn.conf.layers.Layer conf = net instanceof MultiLayerNetwork m
                ? m.getOutputLayer().conf().getLayer()
                : ((ComputationGraph) net).getOutputLayer(0).conf().getLayer();
        if (!(conf instanceof BaseOutputLayer out) || !(out.getLossFn() instanceof LossMCXENT)) {
            throw new IllegalArgumentException("class weights need a softmax cross-entropy output layer");
        }
        out.setLossFn(new LossMCXENT(Nd4j.createFromArray(weights).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)));
    }
}
