package dev.dlpipe.train;

import dev.dlpipe.load.PathSource;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.evaluation.IEvaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synchronous parameter averaging in rounds: in each round every worker (one Spark task) starts from the driver's
 * parameters and updater state, fits its next {@code averagingFrequency} minibatches of the epoch's order, and
 * returns what it ended with; the driver averages parameters and updater state (DL4J's semantics for
 * averaging, with Adam's moments averaged too) and starts the next round.
 *
 * <p>Why not DL4J's ParameterAveragingTrainingMaster, which this replaced: per round it repartitioned the data with
 * a shuffle, ran Spark's closure cleaner over several jobs, and rebuilt the network from its configuration on
 * every worker; on the quickstart that cost ~120 ms a round against ~25 ms of fitting, so two workers trained at
 * 0.2-0.4x the speed of one JVM (docs/benchmarks.md). Here a round is one small job: the configuration ships once
 * per epoch, each executor keeps its worker networks between rounds, and parameters travel as float arrays.
 *
 * <p>Deterministic: minibatch j of the epoch's order goes to round j / (workers * frequency), worker
 * (j / frequency) % workers, and the average is summed in worker order, so a run and its resumption from a
 * checkpoint produce the same bits whatever the executors' timing.
 */
public final class ParameterAveragingTrainer implements DistributedTrainer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParameterAveragingTrainer.class);

    /** Worker networks kept by executor JVMs between rounds: (trainer id, worker) -> network. */
    private static final Map<String, Network> WORKERS = new ConcurrentHashMap<>();

    private final TrainSettings settings;
    private final JavaSparkContext jsc;
    private final List<TrainingHook> hooks;
    private final String id = UUID.randomUUID().toString();
    private Model network;

    /** {@code network}: a MultiLayerNetwork or a ComputationGraph. */
    public ParameterAveragingTrainer(JavaSparkContext jsc, Model network, TrainSettings settings) {
        this(jsc, network, settings, List.of());
    }

    /** {@code hooks} run on the executors around every minibatch update (e.g. a pruning mask held fixed). */
    public ParameterAveragingTrainer(JavaSparkContext jsc, Model network, TrainSettings settings,
                                     List<TrainingHook> hooks) {
        this.settings = settings;
        this.jsc = jsc;
        this.network = network;
        this.hooks = List.copyOf(hooks);
    }

    /**
     * The caller's hooks, then a check that stops the epoch at the first non-finite loss and the periodic clearing
     * of subnormal values that otherwise slow every later step.
     */
    private List<TrainingHook> hooks(int epoch) {
        List<TrainingHook> all = new ArrayList<>(hooks);
        all.add(new FiniteLossCheck(epoch));
        all.add(new SubnormalFlush());
        return all;
    }

    @Override
    public void fitEpoch(JavaRDD<String> minibatches, DataSetLoader loader, int epoch) {
        List<String> order = minibatches.collect(); // references only; the data stays on the file system
        int workers = settings.workers();
        int frequency = settings.averagingFrequency();
        Network driver = new Network(network);
        Broadcast<byte[]> conf = jsc.broadcast(Models.compact(driver)); // configuration (and first parameters)
        // loader and hooks once per epoch: each executor then keeps one instance (and its caches) for all rounds
        Broadcast<Work> work = jsc.broadcast(new Work(loader, hooks(epoch), settings.prefetch()));
        try {
            int perRound = workers * frequency;
            long roundsNanos = 0;
            long workerNanos = 0;
            int rounds = 0;
            for (int start = 0; start < order.size(); start += perRound) {
                long t0 = System.nanoTime();
                List<WorkerRound> round = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int from = Math.min(order.size(), start + w * frequency);
                    int to = Math.min(order.size(), from + frequency);
                    if (from < to) {
                        round.add(new WorkerRound(w, new ArrayList<>(order.subList(from, to))));
                    }
                }
                // the round's starting state travels inside the task function (Spark ships it once per job as
                // the task binary), not as a broadcast of its own: one fetch per executor and round instead of two.
                // runJob with a function object rather than map + collect: any Spark closure (collect's own
                // included) goes through the closure cleaner, which re-reads class files on every job
                Object[] done = (Object[]) jsc.sc().runJob(jsc.parallelize(round, round.size()).rdd(),
                        new RunRound(id, conf, State.of(driver, epoch), work),
                        scala.reflect.ClassTag$.MODULE$.apply(Result.class));
                List<Result> results = java.util.Arrays.stream(done).map(Result.class::cast).toList();
                average(driver, results);
                roundsNanos += System.nanoTime() - t0;
                workerNanos += results.stream().mapToLong(Result::nanos).max().orElse(0);
                rounds++;
            }
            // where an epoch's time goes: the slowest worker's fitting against everything else a round costs
            // (no epoch number: compress and distillation pass offset epochs that only seed the order)
            LOG.info("parameter averaging: {} rounds, {} ms each, of which the slowest worker fitted {} ms", rounds,
                    rounds == 0 ? 0 : roundsNanos / rounds / 1_000_000, rounds == 0 ? 0 : workerNanos / rounds / 1_000_000);
        } finally {
            conf.destroy();
            work.destroy();
        }
    }

    /**
     * The loader that reads minibatches on the executors and the hooks around each update. (What Spark ships goes
     * through Kryo, which cannot write records on Java 17: these are classes, then.)
     */
    static final class Work implements Serializable {
        private final DataSetLoader loader;
        private final List<TrainingHook> hooks;
        private final int prefetch;

        Work(DataSetLoader loader, List<TrainingHook> hooks, int prefetch) {
            this.loader = loader;
            this.hooks = new ArrayList<>(hooks);
            this.prefetch = prefetch;
        }

        int prefetch() {
            return prefetch;
        }

        DataSetLoader loader() {
            return loader;
        }

        List<TrainingHook> hooks() {
            return hooks;
        }
    }

    /** Sets the driver's parameters and updater state to the workers' means, summed in worker order. */
    private static void average(Network driver, List<Result> results) {
        List<Result> ordered = results.stream().sorted(java.util.Comparator.comparingInt(Result::worker)).toList();
        float[] params = null;
        float[] updater = null;
        long steps = 0;
        for (Result r : ordered) {
            float[] p = r.params();
            float[] u = r.updater();
            if (params == null) {
                params = p;
                updater = u;
            } else {
                add(params, p);
                add(updater, u);
            }
            steps = Math.max(steps, r.steps());
        }
        scale(params, 1f / ordered.size());
        scale(updater, 1f / ordered.size());
        Models.setFloats(driver.model().params(), params);
        INDArray view = updaterState(driver.model());
        if (view != null && updater.length > 0) {
            Models.setFloats(view, updater);
        }
        // the iteration count Adam's bias correction reads: as far as the longest worker got
        if (driver.isGraph()) {
            driver.graph().getConfiguration().setIterationCount(
                    driver.graph().getConfiguration().getIterationCount() + (int) steps);
        } else {
            driver.multiLayer().getLayerWiseConfigurations().setIterationCount(
                    driver.multiLayer().getLayerWiseConfigurations().getIterationCount() + (int) steps);
        }
    }

    private static void add(float[] sum, float[] x) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += x[i];
        }
    }

    private static void scale(float[] x, float by) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= by;
        }
    }

    static INDArray updaterState(Model model) {
        return model instanceof MultiLayerNetwork m ? m.getUpdater(true).getStateViewArray()
                : ((ComputationGraph) model).getUpdater(true).getStateViewArray();
    }

    /** What a round starts from: the driver's parameters, updater state, counters and learning rate. */
    static final class State implements Serializable {
        private final float[] params;
        private final float[] updater;
        private final int iteration;
        private final int epoch;
        private final double learningRate;

        State(float[] params, float[] updater, int iteration, int epoch, double learningRate) {
            this.params = params;
            this.updater = updater;
            this.iteration = iteration;
            this.epoch = epoch;
            this.learningRate = learningRate;
        }

        float[] params() {
            return params;
        }

        float[] updater() {
            return updater;
        }

        int iteration() {
            return iteration;
        }

        int epoch() {
            return epoch;
        }

        double learningRate() {
            return learningRate;
        }

        static State of(Network net, int epoch) {
            Model m = net.model();
            int iteration = net.isGraph() ? net.graph().getConfiguration().getIterationCount()
                    : net.multiLayer().getLayerWiseConfigurations().getIterationCount();
            return new State(Models.floats(m.params()), Models.floats(updaterState(m)), iteration, epoch,
                    ParameterAveragingTrainer.learningRate(net));
        }
    }

    /** The learning rate of the first layer with parameters (setLearningRate gives every layer the same). */
    static double learningRate(Network net) {
        if (net.isGraph()) {
            for (var l : net.graph().getLayers()) {
                if (l.numParams() > 0) {
                    Double r = net.graph().getLearningRate(l.conf().getLayer().getLayerName());
                    if (r != null) {
                        return r;
                    }
                }
            }
            return Double.NaN;
        }
        for (int i = 0; i < net.multiLayer().getnLayers(); i++) {
            Double r = net.multiLayer().getLayer(i).numParams() > 0 ? net.multiLayer().getLearningRate(i) : null;
            if (r != null) {
                return r;
            }
        }
        return Double.NaN;
    }

    /**
     * The task function of a round: a named function object rather than a lambda, because Spark's closure cleaner
     * parses a closure's classes with ASM on every job (a third of the driver's time per round, measured).
     */
    static final class RunRound extends scala.runtime.AbstractFunction2<org.apache.spark.TaskContext,
            scala.collection.Iterator<WorkerRound>, Result> implements Serializable {
        private final String trainer;
        private final Broadcast<byte[]> conf;
        private final State state;
        private final Broadcast<Work> work;

        RunRound(String trainer, Broadcast<byte[]> conf, State state, Broadcast<Work> work) {
            this.trainer = trainer;
            this.conf = conf;
            this.state = state;
            this.work = work;
        }

        @Override
        public Result apply(org.apache.spark.TaskContext context, scala.collection.Iterator<WorkerRound> rounds) {
            try {
                return rounds.next().run(trainer, conf.value(), state, work.value()); // one per partition
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** One worker's share of a round; runs on an executor. */
    static final class WorkerRound implements Serializable {
        private final int worker;
        private final List<String> minibatches;

        WorkerRound(int worker, List<String> minibatches) {
            this.worker = worker;
            this.minibatches = minibatches;
        }

        Result run(String trainer, byte[] conf, State state, Work work) throws Exception {
            DataSetLoader loader = work.loader();
            List<TrainingHook> hooks = work.hooks();
            String key = trainer + "/" + worker;
            WORKERS.keySet().removeIf(k -> !k.startsWith(trainer + "/")); // an executor serves one training at a time
            Network net = WORKERS.computeIfAbsent(key, k -> Models.fromCompact(conf));
            Model m = net.model();
            Models.setFloats(m.params(), state.params());
            INDArray view = updaterState(m);
            if (view != null && state.updater().length > 0) {
                Models.setFloats(view, state.updater());
            }
            boolean newRate = learningRate(net) != state.learningRate(); // setting it rebuilds the updater blocks
            if (net.isGraph()) {
                net.graph().getConfiguration().setIterationCount(state.iteration());
                net.graph().getConfiguration().setEpochCount(state.epoch());
                if (newRate) {
                    net.graph().setLearningRate(state.learningRate());
                }
            } else {
                net.multiLayer().getLayerWiseConfigurations().setIterationCount(state.iteration());
                net.multiLayer().getLayerWiseConfigurations().setEpochCount(state.epoch());
                if (newRate) {
                    net.multiLayer().setLearningRate(state.learningRate());
                }
            }
            long start = System.nanoTime();
            long steps = 0;
            Minibatches batches = new Minibatches(loader, minibatches, work.prefetch());
            try {
                for (int i = 0; i < minibatches.size(); i++) {
                    steps += fitOne(net, m, batches.next(), hooks);
                }
            } finally {
                batches.close();
            }
            return new Result(worker, Models.floats(m.params()), Models.floats(updaterState(m)), steps,
                    System.nanoTime() - start);
        }

        /** One update: the hooks before, the fit, the hooks after; returns 1 (a step). */
        private static int fitOne(Network net, Model m, DataSet ds, List<TrainingHook> hooks) {
            for (TrainingHook h : hooks) {
                h.preUpdate(ds, m);
            }
            if (net.isGraph()) {
                net.graph().fit(ds);
            } else {
                net.multiLayer().fit(ds);
            }
            for (TrainingHook h : hooks) {
                h.postUpdate(ds, m);
            }
            return 1;
        }
    }

    /**
     * A worker's minibatches in order, loaded on the task thread ({@code prefetch} 0) or up to {@code prefetch}
     * ahead on a second thread. A load that fails fails the task with its own exception: DL4J's prefetch thread
     * left the task waiting for ever instead (TrainerFailureTest).
     */
    static final class Minibatches implements AutoCloseable {
        private final DataSetLoader loader;
        private final List<String> paths;
        private final java.util.concurrent.ExecutorService ahead;
        private final java.util.ArrayDeque<java.util.concurrent.Future<DataSet>> queue = new java.util.ArrayDeque<>();
        private int next;

        Minibatches(DataSetLoader loader, List<String> paths, int prefetch) {
            this.loader = loader;
            this.paths = paths;
            this.ahead = prefetch <= 0 ? null : java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dlpipe-minibatch-prefetch");
                t.setDaemon(true);
                return t;
            });
            for (int i = 0; ahead != null && i < prefetch && next < paths.size(); i++) {
                submit();
            }
        }

        private void submit() {
            String path = paths.get(next++);
            queue.add(ahead.submit(() -> loader.load(new PathSource(path))));
        }

        DataSet next() throws Exception {
            if (ahead == null) {
                return loader.load(new PathSource(paths.get(next++)));
            }
            java.util.concurrent.Future<DataSet> f = queue.poll();
            if (next < paths.size()) {
                submit();
            }
            try {
                return f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof Exception c ? c : e;
            }
        }

        @Override
        public void close() {
            if (ahead != null) {
                ahead.shutdownNow();
            }
        }
    }

    /**
     * A worker's parameters and updater state at the end of its round, as little-endian float32 bytes: task results
     * go through Kryo, which writes a float[] one element at a time and a byte[] in one copy.
     */
    static final class Result implements Serializable {
        private final int worker;
        private final byte[] params;
        private final byte[] updater;
        private final long steps;
        private final long nanos;

        Result(int worker, float[] params, float[] updater, long steps, long nanos) {
            this.worker = worker;
            this.params = bytes(params);
            this.updater = bytes(updater);
            this.steps = steps;
            this.nanos = nanos;
        }

        /** How long the worker took, from its first minibatch to reading its parameters back. */
        long nanos() {
            return nanos;
        }

        int worker() {
            return worker;
        }

        float[] params() {
            return floats(params);
        }

        float[] updater() {
            return floats(updater);
        }

        private static byte[] bytes(float[] values) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            return b.array();
        }

        private static float[] floats(byte[] bytes) {
            float[] out = new float[bytes.length / 4];
            java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        long steps() {
            return steps;
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
                + ", averaging-frequency=" + settings.averagingFrequency() + ")";
    }
}
