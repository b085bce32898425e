package dev.dlpipe.bench;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.load.BatchPolicy;
import dev.dlpipe.load.EpochIterator;
import dev.dlpipe.load.ParquetBlocks;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.pipeline.PipelineStage;
import dev.dlpipe.train.DistributedTrainer;
import dev.dlpipe.train.FusedAdamStep;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.ParameterAveragingTrainer;
import dev.dlpipe.train.TrainSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * The same model, data, seed and epochs trained by a single JVM ({@code MultiLayerNetwork.fit} over our Parquet
 * iterator) and by parameter averaging on the Spark session this runs in, at several averaging frequencies. Prints
 * samples/s (median epoch after the first, so JIT and Spark warm-up are left out) and test accuracy for each.
 */
public final class TrainBenchmark {

    private TrainBenchmark() {
    }

    /**
     * Runs single JVM and parameter averaging on {@code spark} (local), then, if {@code standalone}, starts a cluster
     * with jobs/cluster.sh (2 workers x 1 core, the same 2 cores), runs the frequencies there and stops it; its
     * executors get {@code executorJvmFlags} besides the driver's flags, and {@code encrypted} turns Spark's network
     * encryption on there.
     */
    public static Map<String, Object> run(SparkSession spark, Config config, String work, String input, int[] frequencies,
                                          boolean standalone, String executorJvmFlags, boolean encrypted)
            throws Exception {
        String pack = input != null ? input : packSampleImages(spark, config, work);
        TrainSettings s = TrainSettings.from(config);
        ShardIndex train = ShardIndex.of(Fs.child(pack, Splits.TRAIN));
        ShardIndex test = ShardIndex.of(Fs.child(pack, Splits.TEST));
        TensorSpec spec = train.spec();
        String master = spark.sparkContext().master();
        System.out.printf(Locale.ROOT, "%,d train rows, %,d test rows, model %s, batch %d, %d epochs, Spark %s%n",
                train.rows(), test.rows(), s.model(), s.batchSize(), s.epochs(), master);

        List<Map<String, Object>> results = new ArrayList<>();
        results.add(single(s, spec, train, test, false));
        results.add(single(s, spec, train, test, true));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        for (int f : frequencies) {
            results.add(distributed(jsc, withFrequency(s, f), spec, train, test, master));
        }
        if (standalone) {
            spark.stop();
            try (StandaloneCluster cluster = StandaloneCluster.start(Path.of(work, "train-bench", "cluster"),
                    encrypted)) {
                SparkSession remote = cluster.session(config, executorJvmFlags);
                try {
                    JavaSparkContext rjsc = JavaSparkContext.fromSparkContext(remote.sparkContext());
                    for (int f : frequencies) {
                        results.add(distributed(rjsc, withFrequency(s, f), spec, train, test, "standalone 2x1 core"
                                + (encrypted ? ", encrypted" : "")
                                + (executorJvmFlags.isEmpty() ? "" : " (executors " + executorJvmFlags + ")")));
                    }
                } finally {
                    remote.stop();
                }
            }
        }
        List<Map<String, Object>> peers = torchPeers(s, pack);
        // "x single" is against the single JVM that takes the workers' own step: the fused one where it ran
        Map<String, Object> single = results.get(1).containsKey("not_run") ? results.get(0) : results.get(1);
        double base = (double) single.get("samples_per_second");
        Map<String, Object> torch = peers.stream().filter(p -> !p.containsKey("not_run"))
                .reduce((a, b) -> b).orElse(null); // the last: as many threads as cores
        double torchRate = torch == null ? Double.NaN : ((Number) torch.get("samples_per_second")).doubleValue();
        Map<String, Object> cpu = dev.dlpipe.core.CpuInfo.describe();
        System.out.printf(Locale.ROOT, "%nOn %s, %s cores, flags %s%n", cpu.get("model"), cpu.get("cores"), cpu.get("flags"));
        System.out.printf(Locale.ROOT, "%-72s %12s %9s %11s %9s%n", "route", "samples/s", "x single", "x PyTorch",
                "test acc");
        List<Map<String, Object>> all = new ArrayList<>(peers);
        all.addAll(results);
        for (Map<String, Object> r : all) {
            if (r.containsKey("not_run")) {
                System.out.println((peers.contains(r) ? "PyTorch peer" : "route") + " not run: " + r.get("not_run"));
                continue;
            }
            double rate = ((Number) r.get("samples_per_second")).doubleValue();
            r.put("vs_single_jvm", Math.round(rate / base * 100) / 100.0);
            r.put("vs_pytorch", Double.isNaN(torchRate) ? null : Math.round(rate / torchRate * 100) / 100.0);
            System.out.printf(Locale.ROOT, "%-72s %12.0f %8.2fx %10sx %9.4f%n", r.get("route"), rate,
                    r.get("vs_single_jvm"), r.get("vs_pytorch") == null ? "-" : r.get("vs_pytorch"),
                    ((Number) r.get("test_accuracy")).doubleValue());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pack", pack);
        out.put("train_rows", train.rows());
        out.put("epochs", s.epochs());
        out.put("batch", s.batchSize());
        out.put("workers", s.workers());
        out.put("spark_master", master);
        out.put("cpu", dev.dlpipe.core.CpuInfo.describe());
        out.put("peers", peers);
        out.put("results", results);
        return out;
    }

    /**
     * docs/peers/torch_mlp.py on the same pack, model, batch, optimizer, seed and epochs, with one thread and with
     * as many as there are cores; {"not_run": why} where torch is not importable or the model is not the MLP.
     */
    static List<Map<String, Object>> torchPeers(TrainSettings s, String pack) {
        if (!"mlp".equals(s.model())) {
            return List.of(Map.of("not_run", "the PyTorch peer builds the mlp model only (train.model=" + s.model() + ")"));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
            Map<String, Object> r = PythonPeer.run(PythonPeer.pip(), "docs/peers/torch_mlp.py", List.of("--pack",
                    dev.dlpipe.LocalPaths.stripFileScheme(pack), "--epochs", String.valueOf(s.epochs()), "--batch",
                    String.valueOf(s.batchSize()), "--hidden-units", String.valueOf(s.hiddenUnits()),
                    "--hidden-layers", String.valueOf(s.hiddenLayers()), "--learning-rate",
                    String.valueOf(s.learningRate()), "--l2", String.valueOf(s.l2()), "--threads",
                    String.valueOf(threads), "--seed", String.valueOf(s.seed())),
                    "pip install torch pyarrow, and point DLPIPE_PEER_PYTHON at that python");
            out.add(new LinkedHashMap<>(r));
            if (r.containsKey("not_run")) {
                break;
            }
        }
        return out;
    }

    /**
     * One JVM over the Parquet iterator: DL4J's own {@code fit}, or ({@code fused}) the step the trainer's workers
     * take, {@link FusedAdamStep}, over the same minibatches (the iterator prefetches on its own thread for both).
     */
    private static Map<String, Object> single(TrainSettings s, TensorSpec spec, ShardIndex train, ShardIndex test,
                                              boolean fused) {
        org.deeplearning4j.nn.api.Model model = ModelFactory.create(s, spec);
        String refusal = FusedAdamStep.refusal(model);
        if (fused && refusal != null) {
            return Map.of("not_run", "the fused step does not cover this model: " + refusal);
        }
        if (!fused) {
            // what the product's trainer does on every worker (a hook there): clear subnormal values now and then
            model.addListeners(dev.dlpipe.train.SubnormalFlush.listener());
        }
        EpochIterator it = new EpochIterator(new ParquetBlocks(train),
                new BatchPolicy(s.batchSize(), true, s.seed(), 4096, false, 2).withReusedBuffers());
        List<Double> seconds = new ArrayList<>();
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            long t0 = System.nanoTime();
            if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph g) {
                g.setLearningRate(s.schedule().rate(epoch));
                g.fit(it);
            } else if (fused) {
                fusedEpoch((MultiLayerNetwork) model, it, s.schedule().rate(epoch));
            } else {
                MultiLayerNetwork net = (MultiLayerNetwork) model;
                net.setLearningRate(s.schedule().rate(epoch));
                net.fit(it);
            }
            seconds.add((System.nanoTime() - t0) / 1e9);
            it.reset();
        }
        EpochIterator testIt = new EpochIterator(new ParquetBlocks(test), BatchPolicy.inOrder(256));
        Evaluation e = model instanceof org.deeplearning4j.nn.graph.ComputationGraph g ? g.evaluate(testIt)
                : ((MultiLayerNetwork) model).evaluate(testIt);
        return result(fused ? "single JVM, the workers' fused Adam step" : "single JVM fit (DL4J's)", seconds,
                train.rows(), e.accuracy());
    }

    /** An epoch as a worker fits it: the fused step, then the subnormal clearing every 32 updates. */
    private static void fusedEpoch(MultiLayerNetwork net, EpochIterator batches, double rate) {
        net.setLearningRate(rate);
        org.deeplearning4j.spark.api.TrainingHook flush = new dev.dlpipe.train.SubnormalFlush();
        while (batches.hasNext()) {
            org.nd4j.linalg.dataset.DataSet ds = batches.next();
            if (!FusedAdamStep.fit(net, ds)) {
                throw new IllegalStateException("training diverged in the benchmark");
            }
            flush.postUpdate(ds, net);
        }
        // as fit counts epochs: after each
        net.getLayerWiseConfigurations().setEpochCount(net.getLayerWiseConfigurations().getEpochCount() + 1);
    }

    private static Map<String, Object> distributed(JavaSparkContext jsc, TrainSettings s, TensorSpec spec,
                                                   ShardIndex train, ShardIndex test, String master) {
        org.deeplearning4j.nn.api.Model net = ModelFactory.create(s, spec);
        DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, net, s);
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(spec.numClasses());
        List<String> batches = train.minibatches(s.batchSize());
        List<Double> seconds = new ArrayList<>();
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            trainer.setLearningRate(s.schedule().rate(epoch));
            List<String> shuffled = new ArrayList<>(batches);
            Collections.shuffle(shuffled, new Random(s.seed() * 31 + epoch));
            long t0 = System.nanoTime();
            trainer.fitEpoch(jsc.parallelize(shuffled, s.workers()), loader, epoch);
            seconds.add((System.nanoTime() - t0) / 1e9);
        }
        Evaluation e = (Evaluation) trainer.evaluate(jsc.parallelize(test.minibatches(256), s.workers()), loader,
                new Evaluation(spec.numClasses()))[0];
        return result("parameter averaging on " + master + ", " + s.workers() + " workers, averaging every "
                + s.averagingFrequency(), seconds, train.rows(), e.accuracy());
    }

    private static Map<String, Object> result(String route, List<Double> seconds, long rows, double accuracy) {
        // the median epoch after the first: JIT and Spark warm-up stay out, and so does one noisy epoch
        List<Double> warm = new ArrayList<>(seconds.size() > 1 ? seconds.subList(1, seconds.size()) : seconds);
        Collections.sort(warm);
        double mean = warm.size() % 2 == 1 ? warm.get(warm.size() / 2)
                : (warm.get(warm.size() / 2 - 1) + warm.get(warm.size() / 2)) / 2;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("route", route);
        r.put("samples_per_second", (double) Math.round(rows / mean));
        r.put("epoch_seconds", seconds.stream().map(x -> Math.round(x * 100) / 100.0).toList());
        r.put("test_accuracy", Math.round(accuracy * 10000) / 10000.0);
        return r;
    }

    private static TrainSettings withFrequency(TrainSettings s, int f) {
        return s.withAveragingFrequency(f);
    }

    /** clean + pack of the committed sample images (once per work directory). */
    private static String packSampleImages(SparkSession spark, Config config, String work) {
        String clean = Path.of(work, "train-bench", "clean").toAbsolutePath().toString();
        String pack = Path.of(work, "train-bench", "pack").toAbsolutePath().toString();
        if (!Fs.exists(Fs.child(pack, "_manifest.json"))) {
            String images = Path.of(System.getProperty("dlpipe.home", "."), "sample-data/images/images.parquet").toString();
            StageRunner.run(PipelineStage.CLEAN.create("image"), spark, config, List.of(images), clean);
            StageRunner.run(PipelineStage.PACK.create("image"), spark, config, List.of(clean), pack);
        }
        return pack;
    }
}
