package dev.dlpipe.train;

import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.evaluation.IEvaluation;

/**
 * Our one seam to distributed training. DL4J's Spark module is final and unmaintained, so everything else talks
 * to this interface: swapping the implementation (gradient sharing, another engine) touches nothing else.
 * Data always comes as minibatch paths read by a loader on the executors, never collected on the driver.
 */
public interface DistributedTrainer {

    /**
     * One pass over the given minibatches, updating {@link #network()}. Any randomness of the implementation is
     * seeded from (seed, epoch), so epoch {@code epoch} of a resumed run matches the uninterrupted run.
     */
    void fitEpoch(JavaRDD<String> minibatches, DataSetLoader loader, int epoch);

    /** Evaluates the current network on the executors and merges the results. */
    IEvaluation[] evaluate(JavaRDD<String> minibatches, DataSetLoader loader, IEvaluation... evaluations);

    /** Average loss of the current network over the minibatches, computed on the executors. */
    double loss(JavaRDD<String> minibatches, DataSetLoader loader);

    /** The network being trained: a MultiLayerNetwork or a ComputationGraph. */
    Model network();

    /** Sets the learning rate of every layer for the next epoch. */
    void setLearningRate(double rate);

    /** A short description for logs and manifests (which route, which settings). */
    String describe();
}
