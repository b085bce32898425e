package dev.dlpipe.cli;

import dev.dlpipe.bench.AugmentImagesBenchmark;
import dev.dlpipe.bench.CleanTextBenchmark;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.SparkSessions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dlpipe bench ...}: measurements that print the figure and its baseline side by side. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (see docs/benchmarks.md).",
        subcommands = {BenchCommand.CleanText.class, BenchCommand.AugmentImages.class, BenchCommand.Loaders.class,
            BenchCommand.LoaderMemory.class, BenchCommand.LoaderMemoryChild.class, BenchCommand.Train.class,
            BenchCommand.Attacks.class, BenchCommand.Fingerprints.class, BenchCommand.Models.class,
            BenchCommand.Word2Vecs.class, BenchCommand.Score.class, BenchCommand.Serve.class})
public final class BenchCommand {

    abstract static class Bench implements Callable<Integer> {
        @Mixin
        ConfigOptions configOptions;

        @Option(names = "--work", defaultValue = "target/bench", description = "work directory (default ${DEFAULT-VALUE})")
        String work;

        abstract Map<String, Object> measure(SparkSession spark, Config config) throws Exception;

        @Override
        public Integer call() throws Exception {
            // a benchmark times the work: an up-to-date output from its previous round must not be skipped
            Config config = configOptions.load(List.of()).with("run.force", true, "bench (always runs every stage)");
            SparkSession spark = SparkSessions.getOrCreate(config);
            try {
                Map<String, Object> result = measure(spark, config);
                System.out.println(Json.write(result));
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "attacks", mixinStandardHelpOptions = true,
            description = "Corrupt, hostile and careless inputs against every stage, each in its own JVM with a timeout:"
                    + " exit code, the one-line error, row reconciliation and data safety per case (docs/benchmarks.md).")
    static final class Attacks extends Bench {
        @Option(names = "--timeout", defaultValue = "300", description = "seconds before a case counts as hung (default ${DEFAULT-VALUE})")
        long timeout;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) throws Exception {
            return dev.dlpipe.bench.AttackCorpus.run(spark, config, work, timeout);
        }
    }

    @Command(name = "models", mixinStandardHelpOptions = true,
            description = "Text and tabular models on the generator's and on real data sets, beside Spark MLlib's TF-IDF"
                    + " + logistic regression and scikit-learn on the same split (docs/benchmarks.md).")
    static final class Models extends Bench {
        @Override
        Map<String, Object> measure(SparkSession spark, Config config) throws Exception {
            return dev.dlpipe.bench.ModelsBenchmark.run(spark, work, configOptions.overrides());
        }
    }

    @Command(name = "word2vec", mixinStandardHelpOptions = true,
            description = "Spark MLlib's Word2Vec against DL4J's on generated sentences: time and planted synonyms found.")
    static final class Word2Vecs extends Bench {
        @Option(names = "--sentences", defaultValue = "1000000", description = "generated sentences (default ${DEFAULT-VALUE})")
        long sentences;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) {
            return dev.dlpipe.bench.Word2VecBenchmark.run(spark, sentences, config.integer("train.text.embedding-size"),
                    config.integer("train.text.window"), config.integer("train.text.word2vec-iterations"),
                    config.integer("run.seed"));
        }
    }

    @Command(name = "fingerprint", mixinStandardHelpOptions = true,
            description = "Identifying a large input: all bytes hashed on the driver, the same digest in Spark tasks, "
                    + "and a listing of sizes and store checksums.")
    static final class Fingerprints extends Bench {
        @Option(names = "--gb", defaultValue = "10", description = "GiB of shards to write once and fingerprint (default ${DEFAULT-VALUE})")
        int gb;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) throws Exception {
            return dev.dlpipe.bench.FingerprintBenchmark.run(spark, work, gb);
        }
    }

    @Command(name = "clean-text", mixinStandardHelpOptions = true,
            description = "Text cleaning job vs a bare chain of Spark SQL built-ins doing the same edits, same data.")
    static final class CleanText extends Bench {
        @Option(names = "--rows", defaultValue = "1000000", description = "generated rows (default ${DEFAULT-VALUE})")
        long rows;

        @Option(names = "--repeats", defaultValue = "2", description = "alternating rounds; best time counts")
        int repeats;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) {
            return CleanTextBenchmark.run(spark, config, work, rows, repeats);
        }
    }

    @Command(name = "augment-images", mixinStandardHelpOptions = true,
            description = "Image augmentation throughput: the Spark stage and the pure augmenter on one thread.")
    static final class AugmentImages extends Bench {
        @Option(names = "--rows", defaultValue = "20000", description = "generated source images (default ${DEFAULT-VALUE})")
        long rows;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) {
            return AugmentImagesBenchmark.run(spark, config, work, rows);
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Single-JVM fit vs parameter averaging (at several averaging frequencies) on this Spark master:"
                    + " same model, data, seed and epochs; samples/s and test accuracy for each.")
    static final class Train extends Bench {
        @Option(names = "--input", description = "a pack output (default: the sample images, cleaned and packed once)")
        String input;

        @Option(names = "--frequencies", split = ",", defaultValue = "1,5,20",
                description = "averaging frequencies to run (default ${DEFAULT-VALUE})")
        int[] frequencies;

        // a plain flag: picocli's negatable option with default true read --no-standalone as "the default" and
        // started the cluster anyway
        @Option(names = "--no-standalone",
                description = "skip the 2-worker standalone cluster (jobs/cluster.sh) that otherwise runs the frequencies too")
        boolean noStandalone;

        @Option(names = "--executor-jvm-flags", defaultValue = "",
                description = "more JVM flags for the standalone cluster's executors, to measure a tuning (say"
                        + " -XX:TieredStopAtLevel=1); the route's name shows them")
        String executorJvmFlags;

        @Option(names = "--encrypted-cluster",
                description = "start the standalone cluster with Spark's network encryption on (jobs/cluster.sh --encrypt)")
        boolean encryptedCluster;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) throws Exception {
            return dev.dlpipe.bench.TrainBenchmark.run(spark, config, work, input, frequencies, !noStandalone,
                    executorJvmFlags.trim(), encryptedCluster);
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "The score stage with DL4J, ONNX Runtime FP32 and int8 on the same rows, beside ONNX Runtime's"
                    + " Python API (docs/peers/ort_score.py) in one run (docs/benchmarks.md).")
    static final class Score extends Bench {
        @Option(names = "--export", defaultValue = "runs/quickstart/export", description = "an export output (default ${DEFAULT-VALUE})")
        String export;

        @Option(names = "--pack", defaultValue = "runs/quickstart/pack", description = "the pack it was trained on (default ${DEFAULT-VALUE})")
        String pack;

        @Option(names = "--copies", defaultValue = "12", description = "copies of the pack's train shards to score (default ${DEFAULT-VALUE})")
        int copies;

        @Option(names = "--repeats", defaultValue = "2", description = "runs per engine; the best counts (default ${DEFAULT-VALUE})")
        int repeats;

        @Override
        Map<String, Object> measure(SparkSession spark, Config config) throws Exception {
            return dev.dlpipe.bench.ScoreBenchmark.run(spark, config, work, export, pack, copies, repeats);
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "A load generator on loopback against serve (the quickstart export): requests/s and p50/p95/p99"
                    + " at each concurrency, dynamic batching off and on, in one run (docs/benchmarks.md).")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--export", defaultValue = "runs/quickstart/export", description = "an export output (default ${DEFAULT-VALUE})")
        String export;

        @Option(names = "--pack", defaultValue = "runs/quickstart/pack", description = "whose test rows to send (default ${DEFAULT-VALUE})")
        String pack;

        @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per point (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--concurrency", split = ",", defaultValue = "1,8,64", description = "clients (default ${DEFAULT-VALUE})")
        int[] concurrency;

        @Option(names = "--max-batch-size", defaultValue = "64", description = "batching on: rows per batch (default ${DEFAULT-VALUE})")
        int maxBatch;

        @Option(names = "--max-delay-ms", defaultValue = "2", description = "batching on: wait for more (default ${DEFAULT-VALUE})")
        int delay;

        @Option(names = "--load", defaultValue = "java", description = "load generator: java (the JDK's HttpClient in this"
                + " JVM) or wrk (Debian's wrk in its own process) (default ${DEFAULT-VALUE})")
        String load;

        @Mixin
        ConfigOptions configOptions;

        @Override
        public Integer call() throws Exception {
            Map<String, Object> result = dev.dlpipe.bench.ServeBenchmark.run(configOptions.load(List.of()), export, pack,
                    seconds, concurrency, maxBatch, delay, load);
            System.out.println(Json.write(result));
            return 0;
        }
    }

    @Command(name = "loaders", mixinStandardHelpOptions = true,
            description = "Parquet, memory-mapped and DL4J CSV loaders and a raw read over one generated tensor dataset.")
    static final class Loaders implements Callable<Integer> {
        @Option(names = "--rows", defaultValue = "350000", description = "rows of 1x28x28 float32 (default ${DEFAULT-VALUE}, 1.1 GB)")
        long rows;

        @Option(names = "--shards", defaultValue = "4", description = "shards per layout (default ${DEFAULT-VALUE})")
        int shards;

        @Option(names = "--csv-rows", defaultValue = "50000", description = "rows also written as CSV (default ${DEFAULT-VALUE})")
        long csvRows;

        @Option(names = "--batch", defaultValue = "256", description = "batch size (default ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--row-group-mb", defaultValue = "64", description = "Parquet row group size (default ${DEFAULT-VALUE})")
        int rowGroupMb;

        @Option(names = "--work", defaultValue = "target/bench", description = "work directory (default ${DEFAULT-VALUE})")
        String work;

        @Override
        public Integer call() throws Exception {
            System.out.println(Json.write(dev.dlpipe.bench.LoaderBenchmark.run(work, rows, shards, csvRows, batch, rowGroupMb)));
            return 0;
        }
    }

    @Command(name = "loader-memory", mixinStandardHelpOptions = true,
            description = "Peak RSS of the Parquet loader in a small-heap JVM: a prefix vs the whole bench loaders dataset.")
    static final class LoaderMemory implements Callable<Integer> {
        @Option(names = "--rows", defaultValue = "350000", description = "size of the bench loaders dataset to read")
        long rows;

        @Option(names = "--small-rows", defaultValue = "30000", description = "rows read for the small-dataset peak")
        long smallRows;

        @Option(names = "--heap", defaultValue = "100m", description = "child JVM heap (default ${DEFAULT-VALUE})")
        String heap;

        @Option(names = "--row-group-mb", defaultValue = "8", description = "row groups of the dataset to read (default ${DEFAULT-VALUE})")
        int rowGroupMb;

        @Option(names = "--work", defaultValue = "target/bench", description = "work directory (default ${DEFAULT-VALUE})")
        String work;

        @Override
        public Integer call() throws Exception {
            System.out.println(Json.write(dev.dlpipe.bench.LoaderMemoryBenchmark.run(work, rows, smallRows, heap, rowGroupMb)));
            return 0;
        }
    }

    @Command(name = "loader-memory-child", hidden = true)
    static final class LoaderMemoryChild implements Callable<Integer> {
        @Option(names = "--dir", required = true)
        String dir;

        @Option(names = "--max-rows", required = true)
        long maxRows;

        @Override
        public Integer call() throws Exception {
            dev.dlpipe.bench.LoaderMemoryBenchmark.child(dir, maxRows, 256);
            return 0;
        }
    }
}
