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
            double score = net.isGraph() ? ((ComputationGraph) net.model()).score(ds, false)
                    : net.multiLayer().score(ds, false);
            lossSum += score * n;
            rows += n;
        }
        return new Result(evaluations, lossSum, rows);
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
