package dev.dlpipe.train;

import dev.dlpipe.model.Network;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import dev.dlpipe.load.PathSource;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Synchronous parameter averaging with DL4J's {@link ParameterAveragingTrainingMaster} over the file route
 * ({@code fitPaths}): each worker fits {@code averagingFrequency} minibatches of {@code batchSize}, then the
 * driver averages parameters and updater state.
 */
public final class ParameterAveragingTrainer implements DistributedTrainer {

    private final TrainSettings settings;
    private final JavaSparkContext jsc;
    private Model network;
    private final java.util.List<org.deeplearning4j.spark.api.TrainingHook> hooks;

    /** {@code network}: a MultiLayerNetwork or a ComputationGraph. */
    public ParameterAveragingTrainer(JavaSparkContext jsc, Model network, TrainSettings settings) {
        this(jsc, network, settings, java.util.List.of());
    }

    /** {@code hooks} run on the executors around every minibatch update (e.g. a pruning mask held fixed). */
    public ParameterAveragingTrainer(JavaSparkContext jsc, Model network, TrainSettings settings,
                                     java.util.List<org.deeplearning4j.spark.api.TrainingHook> hooks) {
        this.settings = settings;
        this.jsc = jsc;
        this.network = network;
        this.hooks = java.util.List.copyOf(hooks);
    }

    /** A training master per epoch: its random state (repartitioning) then depends on the epoch, not on history. */
    private ParameterAveragingTrainingMaster master(int epoch) {
        return new ParameterAveragingTrainingMaster.Builder(settings.workers(), settings.batchSize())
                .batchSizePerWorker(settings.batchSize())
                .averagingFrequency(settings.averagingFrequency())
                // > 0 puts loading on DL4J's AsyncDataSetIterator thread. In 1.0.0-M2 an exception there (a corrupt
                // shard, say) leaves the worker waiting forever instead of failing the task, so the default is 0;
                // our loader serves minibatches from cached row groups, so loading on the task thread is cheap
                .workerPrefetchNumBatches(settings.prefetch())
                .repartionData(Repartition.Always)
                .saveUpdater(true)
                .rngSeed(settings.seed() * 1_000_003L + epoch)
                .collectTrainingStats(false)
                .trainingHooks(withLossCheck(epoch))
                .build();
    }

    /** The caller's hooks, then a check that stops the epoch at the first non-finite loss. */
    private java.util.List<org.deeplearning4j.spark.api.TrainingHook> withLossCheck(int epoch) {
        java.util.List<org.deeplearning4j.spark.api.TrainingHook> all = new java.util.ArrayList<>(hooks);
        all.add(new FiniteLossCheck(epoch));
        return all;
    }

    @Override
    public void fitEpoch(JavaRDD<String> minibatches, DataSetLoader loader, int epoch) {
        if (network instanceof ComputationGraph graph) {
            network = new SparkComputationGraph(jsc, graph, master(epoch)).fitPaths(minibatches, loader);
        } else {
            SparkDl4jMultiLayer sparkNet = new SparkDl4jMultiLayer(jsc, (MultiLayerNetwork) network, master(epoch));
            sparkNet.fitPaths(minibatches, loader);
            network = sparkNet.getNetwork();
        }
    }

    @Override
    public IEvaluation[] evaluate(JavaRDD<String> minibatches, DataSetLoader loader, IEvaluation... evaluations) {
        return ExecutorEvaluation.run(jsc, new Network(network), minibatches, loader, evaluations).evaluations();
    }

    @Override
    public double loss(JavaRDD<String> minibatches, DataSetLoader loader) {
        return ExecutorEvaluation.run(jsc, new Network(network), minibatches, loader).meanLoss();
    }

    @Override
    public Model network() {
        return network;
    }

    @Override
    public void setLearningRate(double rate) {
        if (network instanceof ComputationGraph graph) {
            graph.setLearningRate(rate);
        } else {
            ((MultiLayerNetwork) network).setLearningRate(rate);
        }
    }

    @Override
    public String describe() {
        return "parameter-averaging(workers=" + settings.workers() + ", batch=" + settings.batchSize()
                + ", averaging-frequency=" + settings.averagingFrequency() + ", prefetch=" + settings.prefetch() + ")";
    }
}
