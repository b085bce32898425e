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
 * all continue from the mean of what they ended with (DL4J's semantics for averaging, with Adam's moments averaged
 * too). Two routes, with the same bits: an epoch as one barrier stage whose workers exchange their states through
 * the driver's {@link RoundExchange} after each round, or, where that cannot run or Spark fails it, one Spark job
 * per round with the driver averaging the results.
 *
 * <p>Why not DL4J's ParameterAveragingTrainingMaster, which this replaced: per round it repartitioned the data with
 * a shuffle, ran Spark's closure cleaner over several jobs, and rebuilt the network from its configuration on
 * every worker; on the quickstart that cost ~120 ms a round against ~25 ms of fitting, so two workers trained at
 * 0.2-0.4x the speed of one JVM (docs/benchmarks.md). Here the configuration ships once per epoch, each executor
 * keeps its worker networks between rounds, and states travel as float32 frames copied once each way.
 *
 * <p>Deterministic: minibatch j of the epoch's order goes to round j / (workers * frequency), worker
 * (j / frequency) % workers, and the average is summed in worker order, so a run and its resumption from a
 * checkpoint produce the same bits whatever the executors' timing.
 */
public final class ParameterAveragingTrainer implements DistributedTrainer {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParameterAveragingTrainer.class);

    /** Worker networks kept by executor JVMs between rounds: (trainer id, route/worker) -> network. */
    private static final Map<String, Network> WORKERS = new ConcurrentHashMap<>();

    private final TrainSettings settings;
    private final JavaSparkContext jsc;
    private final List<TrainingHook> hooks;
    private final String id = UUID.randomUUID().toString();
    private Model network;
    private boolean roundJobsOnly;
    private boolean unreachableForTests;
    private boolean sealedForTests;
    private String unreachable; // why the exchange is not tried again, once executors could not reach it
    private String lastRoute;
    private String exchangeSeen = ""; // how the last barrier epoch's states travelled, for its log line

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

    /** The caller's hooks, then the periodic clearing of subnormal values that otherwise slow every later step. */
    private List<TrainingHook> hooks() {
        List<TrainingHook> all = new ArrayList<>(hooks);
        all.add(new SubnormalFlush());
        return all;
    }

    @Override
    public void fitEpoch(JavaRDD<String> minibatches, DataSetLoader loader, int epoch) {
        List<String> order = minibatches.collect(); // references only; the data stays on the file system
        List<List<List<String>>> plan = plan(order, settings.workers(), settings.averagingFrequency());
        if (plan.isEmpty()) {
            return;
        }
        Network driver = new Network(network);
        Broadcast<byte[]> conf = jsc.broadcast(Models.compact(driver)); // configuration (and first parameters)
        // loader and hooks once per epoch: each executor then keeps one instance (and its caches) for all rounds
        Broadcast<Work> work = jsc.broadcast(new Work(loader, hooks(), new FiniteLossCheck(epoch), settings.prefetch()));
        try {
            State start = State.of(driver, epoch);
            String why = oneStageRefusal(settings.workers());
            lastRoute = why != null ? "one job per round: " + why
                    : sealedExchange() ? "one barrier stage, exchange encrypted" : "one barrier stage";
            long t0 = System.nanoTime();
            exchangeSeen = "";
            long fitted = why == null ? inOneStage(driver, plan, conf, work, start) : -1;
            if (fitted < 0) {
                fitted = roundByRound(driver, plan, conf, work, epoch);
            }
            // where an epoch's time goes: the slowest worker's fitting against everything else a round costs
            // (no epoch number: compress and distillation pass offset epochs that only seed the order)
            String fused = FusedAdamStep.refusal(network);
            LOG.info("parameter averaging: {} rounds ({}; updates by {}), {} ms each, of which the slowest worker"
                    + " fitted {} ms", plan.size(), lastRoute + (exchangeSeen.isEmpty() ? "" : ", " + exchangeSeen),
                    fused == null ? "the fused Adam step"
                    : "DL4J's fit: " + fused, (System.nanoTime() - t0) / plan.size() / 1_000_000,
                    fitted / plan.size() / 1_000_000);
        } finally {
            conf.destroy();
            work.destroy();
        }
    }

    /** Minibatch j of the epoch's order goes to round j / (workers * frequency), worker (j / frequency) % workers. */
    static List<List<List<String>>> plan(List<String> order, int workers, int frequency) {
        List<List<List<String>>> rounds = new ArrayList<>();
        for (int start = 0; start < order.size(); start += workers * frequency) {
            List<List<String>> round = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int from = Math.min(order.size(), start + w * frequency);
                round.add(new ArrayList<>(order.subList(from, Math.min(order.size(), from + frequency))));
            }
            rounds.add(round);
        }
        return rounds;
    }

    /**
     * Why this epoch cannot run as one barrier stage, or null when it can. A barrier stage needs a task slot for
     * every worker at once and no dynamic allocation.
     */
    private String oneStageRefusal(int workers) {
        if (roundJobsOnly) {
            return "one job per round was asked for";
        }
        if (unreachable != null) {
            return unreachable;
        }
        if (jsc.getConf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "spark.dynamicAllocation.enabled is true, and Spark runs barrier stages only without it";
        }
        int slots = jsc.sc().maxNumConcurrentTasks(jsc.sc().resourceProfileManager().defaultResourceProfile());
        if (slots < workers) {
            return workers + " workers, " + slots + " task slots now";
        }
        return null;
    }

    /**
     * Whether the rounds' exchange encrypts its frames: where Spark encrypts its own traffic. Its key and token
     * reach the workers inside the task, so with spark.authenticate alone the exchange is authenticated (the token
     * travels over Spark's authenticated channel) and, with encryption on, also sealed.
     */
    private boolean sealedExchange() {
        return sealedForTests || jsc.getConf().getBoolean("spark.network.crypto.enabled", false)
                || jsc.getConf().getBoolean("spark.ssl.enabled", false);
    }

    /** How the last epoch ran, and why when not in one barrier stage. */
    String lastRoute() {
        return lastRoute;
    }

    /** Tests: workers are sent to an address where no exchange listens, as behind a firewall. */
    ParameterAveragingTrainer withUnreachableExchange() {
        unreachableForTests = true;
        return this;
    }

    /** Tests: the exchange encrypts as under Spark's network encryption (which a shared test session lacks). */
    ParameterAveragingTrainer withSealedExchange() {
        sealedForTests = true;
        return this;
    }

    /** Tests: every epoch as one Spark job per round (the route without a barrier stage). */
    ParameterAveragingTrainer oneJobPerRound() {
        roundJobsOnly = true;
        return this;
    }

    /**
     * The epoch as one barrier stage (every worker's task runs at once): after each round the workers send their
     * states to the driver's {@link RoundExchange} and continue from the mean it sends back. Per round this saves
     * Spark's job, task launch and task binary (~40 ms of an ~80 ms round on local[2]; more between JVMs).
     * Returns the sum over rounds of the slowest worker's fitting time, or -1 when Spark failed the stage (the
     * driver's network is then untouched).
     */
    private long inOneStage(Network driver, List<List<List<String>>> plan, Broadcast<byte[]> conf,
                            Broadcast<Work> work, State start) {
        List<WorkerEpoch> workers = new ArrayList<>();
        for (int w = 0; w < settings.workers(); w++) {
            int worker = w;
            workers.add(new WorkerEpoch(w, plan.stream().map(round -> round.get(worker)).toList()));
        }
        String advertised = jsc.getConf().get("spark.driver.host", "127.0.0.1");
        // workers in the driver's JVM (local mode) hand states over directly, unless a test wants the wire sealed
        try (RoundExchange exchange = new RoundExchange(jsc.getConf().get("spark.driver.bindAddress", advertised),
                advertised, workers.size(), sealedExchange(), !sealedForTests)) {
            Object done;
            try {
                done = jsc.parallelize(workers, workers.size()).rdd().barrier()
                        .mapPartitions(new RunEpoch(id, conf, start, work,
                                unreachableForTests ? "127.0.0.1:1/none" : exchange.address()), false,
                                scala.reflect.ClassTag$.MODULE$.apply(Result.class)).collect();
            } catch (Exception sparkAborted) { // SparkException, checked but thrown from Scala
                // a worker's own failure comes back as its result (below); this is Spark's: a lost executor fails a
                // barrier stage for good. The driver still holds the epoch's start: run it again, one job per
                // round, where Spark retries a lost task on its own
                String why = String.valueOf(sparkAborted.getMessage());
                LOG.warn("parameter averaging: the epoch's barrier stage failed ({}); running the epoch again from"
                        + " its start, one job per round", why.lines().findFirst().orElse(""));
                lastRoute = "one job per round: the barrier stage failed";
                if (why.contains(RoundExchange.UNREACHABLE)) {
                    // a firewall or a network policy between executors and the driver: every epoch would fail so
                    unreachable = "in an earlier epoch the " + RoundExchange.UNREACHABLE;
                    LOG.warn("parameter averaging: executors cannot reach the driver's exchange; the rest of this"
                            + " training runs one job per round");
                }
                return -1;
            }
            for (Object o : (Object[]) done) {
                ((Result) o).rethrowFailure();
            }
            if (exchange.averaged() != plan.size()) {
                throw new IllegalStateException("parameter averaging: " + exchange.averaged() + " of " + plan.size()
                        + " rounds were averaged");
            }
            exchange.last().applyTo(driver, iteration(driver) + (int) exchange.steps());
            exchangeSeen = exchange.inJvmWorkers() == workers.size() ? "states handed over in the driver's JVM"
                    : exchange.inJvmWorkers() == 0 ? "states over TCP"
                    : exchange.inJvmWorkers() + " of " + workers.size() + " workers' states in the driver's JVM";
            return exchange.fittedNanos();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("parameter averaging: cannot open the driver's exchange: " + e, e);
        }
    }

    /** The epoch as one Spark job per round; the driver averages. Returns the slowest workers' fitting time. */
    private long roundByRound(Network driver, List<List<List<String>>> plan, Broadcast<byte[]> conf,
                              Broadcast<Work> work, int epoch) {
        long fitted = 0;
        for (List<List<String>> minibatchesOf : plan) {
            List<WorkerRound> round = new ArrayList<>();
            for (int w = 0; w < minibatchesOf.size(); w++) {
                if (!minibatchesOf.get(w).isEmpty()) {
                    round.add(new WorkerRound(w, minibatchesOf.get(w)));
                }
            }
            // the round's starting state travels inside the task function (Spark ships it once per job as the task
            // binary), not as a broadcast of its own: one fetch per executor and round instead of two. runJob with a
            // function object rather than map + collect: any Spark closure (collect's own included) goes through
            // the closure cleaner, which re-reads class files on every job
            Object[] done = (Object[]) jsc.sc().runJob(jsc.parallelize(round, round.size()).rdd(),
                    new RunRound(id, conf, State.of(driver, epoch), work),
                    scala.reflect.ClassTag$.MODULE$.apply(Result.class));
            List<Result> results = java.util.Arrays.stream(done).map(Result.class::cast).toList();
            Mean mean = Mean.of(results);
            mean.applyTo(driver, iteration(driver) + (int) mean.steps());
            fitted += results.stream().mapToLong(Result::nanos).max().orElse(0);
        }
        return fitted;
    }

    /**
     * The loader that reads minibatches on the executors, the hooks around each update and the epoch's check of
     * each update's loss. (What Spark ships goes through Kryo, which cannot write records on Java 17: these are
     * classes, then.)
     */
    static final class Work implements Serializable {
        private final DataSetLoader loader;
        private final List<TrainingHook> hooks;
        private final FiniteLossCheck lossCheck;
        private final int prefetch;

        Work(DataSetLoader loader, List<TrainingHook> hooks, FiniteLossCheck lossCheck, int prefetch) {
            this.loader = loader;
            this.hooks = new ArrayList<>(hooks);
            this.lossCheck = lossCheck;
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

    /**
     * The workers' mean parameters and updater state, summed in worker order (so the driver and every worker of a
     * barrier stage get the same bits), and the round's steps: as far as the longest worker got.
     */
    record Mean(float[] params, float[] updater, long steps) {

        static Mean of(List<Result> results) {
            List<Result> ordered = results.stream().sorted(java.util.Comparator.comparingInt(Result::worker)).toList();
            float[] params = null;
            float[] updater = null;
            long steps = 0;
            for (Result r : ordered) {
                if (params == null) {
                    params = r.params();
                    updater = r.updater();
                } else {
                    add(params, r.paramsView());
                    add(updater, r.updaterView());
                }
                steps = Math.max(steps, r.steps());
            }
            scale(params, 1f / ordered.size());
            scale(updater, 1f / ordered.size());
            return new Mean(params, updater, steps);
        }

        /** Sets the network's parameters and updater state, and the iteration count Adam's bias correction reads. */
        void applyTo(Network net, int iteration) {
            Models.setFloats(net.model().params(), params);
            INDArray view = updaterState(net.model());
            if (view != null && updater.length > 0) {
                Models.setFloats(view, updater);
            }
            setIteration(net, iteration);
        }

        private static void add(float[] sum, java.nio.FloatBuffer x) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += x.get(i);
            }
        }

        private static void scale(float[] x, float by) {
            for (int i = 0; i < x.length; i++) {
                x[i] *= by;
            }
        }
    }

    static void setIteration(Network net, int iteration) {
        if (net.isGraph()) {
            net.graph().getConfiguration().setIterationCount(iteration);
        } else {
            net.multiLayer().getLayerWiseConfigurations().setIterationCount(iteration);
        }
    }

    static int iteration(Network net) {
        return net.isGraph() ? net.graph().getConfiguration().getIterationCount()
                : net.multiLayer().getLayerWiseConfigurations().getIterationCount();
    }

    static INDArray updaterState(Model model) {
        return model instanceof MultiLayerNetwork m ? m.getUpdater(true).getStateViewArray()
                : ((ComputationGraph) model).getUpdater(true).getStateViewArray();
    }

    /** What a round starts from: the driver's parameters, updater state, counters and learning rate. */
    static final class State implements Serializable {
        // as a Result frame, copied out of the network and into the workers' once each: the task binary goes
        // through Java serialization, which writes a float[] one element at a time (the DAG scheduler's thread spent
        // ~10 ms a round on it) and a byte[] in one copy
        private final Result snapshot;
        private final int iteration;
        private final int epoch;
        private final double learningRate;

        private State(Result snapshot, int iteration, int epoch, double learningRate) {
            this.snapshot = snapshot;
            this.iteration = iteration;
            this.epoch = epoch;
            this.learningRate = learningRate;
        }

        /** Sets the network's parameters, updater state and iteration count to this state's. */
        void applyTo(Network net) {
            snapshot.applyTo(net, iteration);
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
            return new State(Result.of(-1, net, 0, 0), ParameterAveragingTrainer.iteration(net), epoch,
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
            Network net = workerNetwork(trainer, "round/" + worker, conf);
            start(net, state);
            long start = System.nanoTime();
            long steps = 0;
            try (Minibatches batches = new Minibatches(work.loader(), minibatches, work.prefetch())) {
                for (int i = 0; i < minibatches.size(); i++) {
                    steps += fitOne(net, batches.next(), work);
                }
            }
            return Result.of(worker, net, steps, System.nanoTime() - start);
        }
    }

    /** The barrier stage's task function: one worker's whole epoch. */
    static final class RunEpoch extends scala.runtime.AbstractFunction1<scala.collection.Iterator<WorkerEpoch>,
            scala.collection.Iterator<Result>> implements Serializable {
        private final String trainer;
        private final Broadcast<byte[]> conf;
        private final State state;
        private final Broadcast<Work> work;
        private final String exchange;

        RunEpoch(String trainer, Broadcast<byte[]> conf, State state, Broadcast<Work> work, String exchange) {
            this.trainer = trainer;
            this.conf = conf;
            this.state = state;
            this.work = work;
            this.exchange = exchange;
        }

        @Override
        public scala.collection.Iterator<Result> apply(scala.collection.Iterator<WorkerEpoch> workers) {
            Result r = workers.next().run(trainer, conf.value(), state, work.value(), exchange);
            return scala.collection.JavaConverters.asScalaIterator(List.of(r).iterator());
        }
    }

    /** One worker's minibatches for every round of an epoch (empty where it has none); runs on an executor. */
    static final class WorkerEpoch implements Serializable {
        private final int worker;
        private final List<List<String>> rounds;

        WorkerEpoch(int worker, List<List<String>> rounds) {
            this.worker = worker;
            this.rounds = new ArrayList<>(); // mutable lists: Kryo ships partitions, and cannot rebuild List.of
            rounds.forEach(r -> this.rounds.add(new ArrayList<>(r)));
        }

        /**
         * Fits each round, sends the state to the driver's exchange and continues from the mean it answers. A
         * failure is sent too, which stops every worker at that round (none waits for ever), and comes back as
         * this worker's result: thrown from a barrier task, Spark would abort the stage with a message only,
         * losing the exception (a UserError's one-line message among them).
         */
        Result run(String trainer, byte[] conf, State state, Work work, String exchange) {
            int round = 0;
            RoundExchange.Connection connection;
            try {
                connection = new RoundExchange.Connection(exchange, worker);
            } catch (java.io.IOException e) {
                // thrown, not returned: the other workers wait for this one at the exchange, and only Spark's abort
                // of the stage (the driver then closes the exchange) releases them; the driver reruns the epoch
                // one job per round and keeps to that
                throw new java.io.UncheckedIOException(RoundExchange.UNREACHABLE + " at "
                        + exchange.substring(0, exchange.indexOf('/')) + " (" + e + ")", e);
            }
            try (RoundExchange.Connection driver = connection) {
                Network net;
                try {
                    net = workerNetwork(trainer, "epoch/" + worker, conf);
                    start(net, state);
                } catch (RuntimeException e) {
                    driver.send(round, RoundExchange.FAILED);
                    return Result.failed(worker, e);
                }
                List<String> mine = rounds.stream().flatMap(List::stream).toList();
                int iteration = state.iteration();
                try (Minibatches batches = new Minibatches(work.loader(), mine, work.prefetch())) {
                    for (; round < rounds.size(); round++) {
                        List<String> minibatches = rounds.get(round);
                        byte[] sent;
                        Exception failure = null;
                        try {
                            long t0 = System.nanoTime();
                            long steps = 0;
                            for (int i = 0; i < minibatches.size(); i++) {
                                steps += fitOne(net, batches.next(), work);
                            }
                            sent = minibatches.isEmpty() ? RoundExchange.NOTHING
                                    : Result.of(worker, net, steps, System.nanoTime() - t0).bytes();
                        } catch (Exception e) {
                            failure = e;
                            sent = RoundExchange.FAILED;
                        }
                        byte[] answer = driver.send(round, sent);
                        if (failure != null) {
                            return Result.failed(worker, failure);
                        }
                        if (java.util.Arrays.equals(answer, RoundExchange.FAILED)) {
                            return Result.stopped(worker); // the failing worker reports why
                        }
                        Result mean = Result.fromBytes(answer);
                        iteration += (int) mean.steps();
                        mean.applyTo(net, iteration);
                    }
                }
                return Result.stopped(worker);
            } catch (java.io.IOException e) {
                return Result.failed(worker, new IllegalStateException("parameter averaging: worker " + worker
                        + " lost the driver's exchange at " + exchange.substring(0, exchange.indexOf('/'))
                        + " in round " + round + ": " + e, e));
            }
        }
    }

    /** The network an executor keeps for this worker of this training and route between rounds (built on first use). */
    private static Network workerNetwork(String trainer, String worker, byte[] conf) {
        WORKERS.keySet().removeIf(k -> !k.startsWith(trainer + "/")); // an executor serves one training at a time
        // one per route: after a failed barrier stage its killed task may still be fitting while the epoch reruns
        return WORKERS.computeIfAbsent(trainer + "/" + worker, k -> Models.fromCompact(conf));
    }

    /** Sets a worker's network to the round's starting state: parameters, updater state, counters, rate. */
    private static void start(Network net, State state) {
        state.applyTo(net);
        boolean newRate = learningRate(net) != state.learningRate(); // setting it rebuilds the updater blocks
        if (net.isGraph()) {
            net.graph().getConfiguration().setEpochCount(state.epoch());
            if (newRate) {
                net.graph().setLearningRate(state.learningRate());
            }
        } else {
            net.multiLayer().getLayerWiseConfigurations().setEpochCount(state.epoch());
            if (newRate) {
                net.multiLayer().setLearningRate(state.learningRate());
            }
        }
    }

    /**
     * One update: the hooks before, the update (a {@link FusedAdamStep} where the network allows one, else DL4J's
     * fit), the check of its loss, the hooks after; returns 1 (a step).
     */
    private static int fitOne(Network net, DataSet ds, Work work) {
        Model m = net.model();
        for (TrainingHook h : work.hooks()) {
            h.preUpdate(ds, m);
        }
        if (net.isGraph()) {
            net.graph().fit(ds);
            work.lossCheck.afterFit(m, ds.numExamples());
        } else if (FusedAdamStep.refusal(m) == null) {
            work.lossCheck.afterFusedStep(m, ds.numExamples(), FusedAdamStep.fit(net.multiLayer(), ds));
        } else {
            net.multiLayer().fit(ds);
            work.lossCheck.afterFit(m, ds.numExamples());
        }
        for (TrainingHook h : work.hooks()) {
            h.postUpdate(ds, m);
        }
        return 1;
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
     * A worker's parameters and updater state at the end of its round (or a round's mean), as one frame of
     * little-endian float32 after a 32-byte header, each array copied in once and out once: task results go
     * through Kryo, which writes a float[] one element at a time and a byte[] in one copy, and the barrier route
     * sends the frame as it is. A worker that failed carries its exception instead, Java-serialized.
     */
    static final class Result implements Serializable {
        private static final int HEADER = 32; // 'R', worker, steps, nanos, parameter and updater counts; aligned
        private final byte[] frame;
        private final byte[] failure;

        private Result(byte[] frame, byte[] failure) {
            this.frame = frame;
            this.failure = failure;
        }

        Result(int worker, float[] params, float[] updater, long steps, long nanos) {
            this(frame(worker, steps, nanos, java.nio.FloatBuffer.wrap(params), java.nio.FloatBuffer.wrap(updater)),
                    null);
        }

        static Result of(int worker, Network net, long steps, long nanos) {
            Model m = net.model();
            return new Result(frame(worker, steps, nanos, FloatBytes.view(m.params()),
                    FloatBytes.view(updaterState(m))), null);
        }

        private static byte[] frame(int worker, long steps, long nanos, java.nio.FloatBuffer params,
                                    java.nio.FloatBuffer updater) {
            byte[] frame = new byte[HEADER + 4 * (params.remaining() + updater.remaining())];
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.put((byte) 'R').putInt(worker).putLong(steps).putLong(nanos).putInt(params.remaining())
                    .putInt(updater.remaining());
            b.position(HEADER);
            b.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(params).put(updater);
            return frame;
        }

        static Result failed(int worker, Exception e) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(e);
            } catch (java.io.IOException notSerializable) {
                return failed(worker, new IllegalStateException(e.toString()));
            }
            return new Result(frame(worker, 0, 0, java.nio.FloatBuffer.allocate(0), java.nio.FloatBuffer.allocate(0)),
                    bytes.toByteArray());
        }

        /** A worker that stopped because another failed, or ended its barrier epoch: no state, no failure. */
        static Result stopped(int worker) {
            return new Result(frame(worker, 0, 0, java.nio.FloatBuffer.allocate(0), java.nio.FloatBuffer.allocate(0)),
                    null);
        }

        /** Throws the worker's own exception on the driver, if it failed. */
        void rethrowFailure() {
            if (failure == null) {
                return;
            }
            Object e;
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(failure))) {
                e = in.readObject();
            } catch (java.io.IOException | ClassNotFoundException unreadable) {
                throw new IllegalStateException("parameter averaging: worker " + worker() + " failed", unreadable);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("parameter averaging: worker " + worker() + " failed: " + e, (Throwable) e);
        }

        /** As sent to and from the round exchange. */
        byte[] bytes() {
            return frame;
        }

        static Result fromBytes(byte[] frame) {
            if (frame.length < HEADER || frame[0] != 'R') {
                throw new IllegalStateException("parameter averaging: not a worker's state in the exchange");
            }
            return new Result(frame, null);
        }

        private java.nio.ByteBuffer header() {
            return java.nio.ByteBuffer.wrap(frame).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        }

        private java.nio.FloatBuffer floats(boolean updater) {
            int params = header().getInt(21);
            java.nio.FloatBuffer all = java.nio.ByteBuffer.wrap(frame, HEADER, frame.length - HEADER).slice()
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            return updater ? all.position(params).slice() : all.limit(params).slice();
        }

        /** How long the worker took, from its first minibatch to reading its parameters back. */
        long nanos() {
            return header().getLong(13);
        }

        int worker() {
            return header().getInt(1);
        }

        long steps() {
            return header().getLong(5);
        }

        float[] params() {
            return FloatBytes.floats(floats(false));
        }

        float[] updater() {
            return FloatBytes.floats(floats(true));
        }

        java.nio.FloatBuffer paramsView() {
            return floats(false);
        }

        java.nio.FloatBuffer updaterView() {
            return floats(true);
        }

        /** Sets a network's parameters and updater state from this frame (one copy each), and its iteration. */
        void applyTo(Network net, int iteration) {
            FloatBytes.copy(floats(false), net.model().params());
            INDArray view = updaterState(net.model());
            java.nio.FloatBuffer updater = floats(true);
            if (view != null && updater.remaining() > 0) {
                FloatBytes.copy(updater, view);
            }
            setIteration(net, iteration);
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
