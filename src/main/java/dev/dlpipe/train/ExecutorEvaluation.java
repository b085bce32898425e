package dev.dlpipe.train;

import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.load.PathSource;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluation and loss of a network over minibatch references, on the executors, with every minibatch loaded on
 * the task thread. Not DL4J's Spark evaluation: in 1.0.0-M2 it wraps the data in an AsyncDataSetIterator even
 * without prefetch, so a loader error (a corrupt validation shard, a pack replaced under a running job) killed
 * that iterator's thread and left the task waiting forever on its queue. Here the error fails the task, and Spark
 * fails the job with the loader's message. Each task reads the model once from broadcast zip bytes, so the
 * driver's arrays are never shared with (and closed by) an evaluation.
 */
public final class ExecutorEvaluation {

    /**
     * The merged evaluations, and the loss summed over rows (DL4J's per-minibatch score is a mean). A plain class,
     * not a record: Spark's Kryo (2.x/4.x field serializer) cannot build records.
     */
    public static final class Result implements Serializable {
        private IEvaluation[] evaluations;
        private double lossSum;
        private long rows;

        Result() {
        }

        Result(IEvaluation[] evaluations, double lossSum, long rows) {
            this.evaluations = evaluations;
            this.lossSum = lossSum;
            this.rows = rows;
        }

        public IEvaluation[] evaluations() {
            return evaluations;
        }

        public double lossSum() {
            return lossSum;
        }

        public long rows() {
            return rows;
        }

        public double meanLoss() {
            return rows == 0 ? Double.NaN : lossSum / rows;
        }
    }

    private ExecutorEvaluation() {
    }

    public static Result run(JavaSparkContext jsc, Network net, JavaRDD<String> minibatches, DataSetLoader loader,
                             IEvaluation... evaluations) {
        Broadcast<byte[]> model = jsc.broadcast(Models.compact(net));
        try {
            return minibatches.mapPartitions((Iterator<String> paths) -> List.of(evaluate(model.value(), paths, loader,
                    evaluations)).iterator()).reduce(ExecutorEvaluation::merge);
        } finally {
            model.destroy();
        }
    }

    /** One partition, on the task thread: load, predict, count; an exception here fails the task. */
    static Result evaluate(byte[] zip, Iterator<String> paths, DataSetLoader loader, IEvaluation[] evaluations)
            throws IOException {
        Network net = Models.fromCompact(zip);
        SoftmaxCrossEntropy loss = SoftmaxCrossEntropy.of(net);
        double lossSum = 0;
        long rows = 0;
        while (paths.hasNext()) {
            String path = paths.next();
            DataSet ds = loader.load(new PathSource(path));
            INDArray out = net.output(ds.getFeatures());
            for (IEvaluation e : evaluations) {
                e.eval(ds.getLabels(), out);
            }
            long n = ds.numExamples();
            // the loss from the same forward pass when DL4J's loss is softmax cross-entropy (every model here);
            // DL4J's score() would run the whole network a second time
            double score = loss != null ? loss.score(out, ds.getLabels())
                    : net.isGraph() ? ((ComputationGraph) net.model()).score(ds, false) : net.multiLayer().score(ds, false);
            lossSum += score * n;
            rows += n;
        }
        return new Result(evaluations, lossSum, rows);
    }

    /**
     * DL4J's score for an output layer with softmax and LossMCXENT, computed from the probabilities: the mean over
     * rows of -sum_c w_c y_c log(clip(p_c)) (clip to [eps, 1 - eps], eps the loss's softmaxClipEps, w its class
     * weights), plus the network's regularization term, as {@code score(DataSet, false)} gives it.
     */
    record SoftmaxCrossEntropy(INDArray weights, double clip, double regularization) {

        static SoftmaxCrossEntropy of(Network net) {
            org.deeplearning4j.nn.conf.layers.Layer conf = net.isGraph()
                    ? ((ComputationGraph) net.model()).getOutputLayer(0).conf().getLayer()
                    : net.multiLayer().getOutputLayer().conf().getLayer();
            if (!(conf instanceof org.deeplearning4j.nn.conf.layers.OutputLayer o)
                    || !(o.getLossFn() instanceof org.nd4j.linalg.lossfunctions.impl.LossMCXENT l)
                    || !(o.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationSoftmax)
                    || net.isGraph() && ((ComputationGraph) net.model()).getNumOutputArrays() != 1) {
                return null;
            }
            double reg = net.isGraph() ? ((ComputationGraph) net.model()).calcRegularizationScore(true)
                    : net.multiLayer().calcRegularizationScore(true);
            return new SoftmaxCrossEntropy(l.getWeights(), l.getSoftmaxClipEps(), reg);
        }

        double score(INDArray probabilities, INDArray labels) {
            INDArray p = probabilities.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            if (clip > 0) {
                p = org.nd4j.linalg.ops.transforms.Transforms.max(org.nd4j.linalg.ops.transforms.Transforms.min(p,
                        1 - clip, false), clip, false);
            }
            INDArray perClass = org.nd4j.linalg.ops.transforms.Transforms.log(p, false)
                    .muli(labels.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
            if (weights != null) {
                perClass.muliRowVector(weights.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
            }
            return -perClass.sumNumber().doubleValue() / probabilities.rows() + regularization;
        }
    }

    static Result merge(Result a, Result b) {
        List<IEvaluation> merged = new ArrayList<>();
        for (int i = 0; i < a.evaluations().length; i++) {
            merge(a.evaluations()[i], b.evaluations()[i]);
            merged.add(a.evaluations()[i]);
        }
        return new Result(merged.toArray(new IEvaluation[0]), a.lossSum() + b.lossSum(), a.rows() + b.rows());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void merge(IEvaluation into, IEvaluation other) {
        into.merge(other);
    }
}
