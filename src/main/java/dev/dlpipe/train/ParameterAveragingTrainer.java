package dev.dlpipe.train;

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

    private static final int EVAL_BATCH = 256;
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
                .trainingHooks(new java.util.ArrayList<>(hooks))
                .build();
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
        // Not doEvaluation(paths, loader, ...): in 1.0.0-M2 that routes a MultiLayerNetwork through the
        // ComputationGraph evaluator and fails with an NPE on the executors. Loading on the executors keeps the
        // data off the driver all the same.
        if (network instanceof ComputationGraph graph) {
            return new SparkComputationGraph(jsc, graph.clone(), master(0))
                    .doEvaluation(load(minibatches, loader), EVAL_BATCH, evaluations);
        }
        return evaluator().doEvaluation(load(minibatches, loader), EVAL_BATCH, evaluations);
    }

    /**
     * Evaluation runs on a copy of the network: DL4J closes the broadcast parameter arrays after evaluating, and
     * in local mode the broadcast value is the driver's own array, so the next averaging round would fail with
     * "Op.Z argument was closed before call".
     */
    private SparkDl4jMultiLayer evaluator() {
        return new SparkDl4jMultiLayer(jsc, ((MultiLayerNetwork) network).clone(), master(0));
    }

    private static JavaRDD<DataSet> load(JavaRDD<String> minibatches, DataSetLoader loader) {
        return minibatches.map(path -> loader.load(new PathSource(path)));
    }

    @Override
    public double loss(JavaRDD<String> minibatches, DataSetLoader loader) {
        if (network instanceof ComputationGraph graph) {
            return new SparkComputationGraph(jsc, graph.clone(), master(0)).calculateScore(load(minibatches, loader), true);
        }
        return evaluator().calculateScore(load(minibatches, loader), true);
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
