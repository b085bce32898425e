package dev.dlpipe.config;

import static dev.dlpipe.config.ValueType.*;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every configuration key the project understands. A key not listed here is an error, so a typo in a YAML file
 * or a {@code --set} flag is caught before any Spark work starts. Default values live in {@code conf/defaults.yaml}.
 */
public final class ConfigSchema {

    private static final Map<String, ConfigKey> KEYS = new LinkedHashMap<>();

    static {
        // where and how the Spark application runs
        add(ConfigKey.of("spark.master", STRING,
                "Spark master URL; ignored when spark-submit already set one (local[2], spark://host:7077, yarn...)"));
        add(ConfigKey.of("spark.app-name", STRING, "Spark application name prefix"));
        add(ConfigKey.of("spark.conf", MAP, "extra Spark settings passed through unchanged (spark.* keys)"));

        add(ConfigKey.range("run.seed", INT, 0, Integer.MAX_VALUE, "seed for every random choice of a run"));
        add(ConfigKey.of("run.dir", OUTPUT_PATH, "directory a pipeline run writes its stage outputs into"));
        add(ConfigKey.range("run.progress-interval-seconds", INT, 1, 3600, "how often long stages log progress"));
        add(ConfigKey.oneOf("run.fingerprint",
                "how inputs are identified in manifests: content (SHA-256 of the bytes, hashed by Spark tasks) or listing "
                        + "(sizes and the store's own checksums; no byte read)", "content", "listing"));
        add(ConfigKey.of("run.force", BOOLEAN,
                "run a stage whose output is up to date, and replace an output directory that a different stage wrote (also: "
                        + "--force); other files are never replaced"));

        add(ConfigKey.of("pipeline.name", STRING, "name of the pipeline, used in logs and the run report"));
        add(ConfigKey.of("pipeline.input", INPUT_PATH, "input dataset the first stage reads"));
        add(ConfigKey.oneOf("pipeline.data-kind",
                "kind of data (tensor: HDF5 or Parquet arrays in train/ validation/ test/, read as stored; auto: told from the input)",
                "image", "text", "tabular", "tensor", "auto"));
        add(ConfigKey.listOf("pipeline.stages", "stages to run, in order",
                "clean", "augment", "pack", "train", "ensemble", "compress", "export", "score"));
        add(ConfigKey.range("pipeline.max-classes", INT, 2, 100_000,
                "most classes a label column may have: a larger label or more distinct names is a bad label, not a class"));
        add(ConfigKey.of("pipeline.class-names", STRING_LIST,
                "names of the classes in label order, shown in reports and the export manifest (empty: the label numbers)"));

        add(ConfigKey.range("split.validation", DOUBLE, 0, 0.5, "fraction of rows assigned to the validation split"));
        add(ConfigKey.range("split.test", DOUBLE, 0, 0.5, "fraction of rows assigned to the test split"));
        add(ConfigKey.of("split.column", STRING,
                "a column holding the user's own split (train/validation/test, or synonyms); kept as given when the input has it"));
        add(ConfigKey.of("split.values", MAP, "more split-column values, each mapped to train, validation or test"));

        add(ConfigKey.range("clean.image.height", INT, 1, 4096, "height images are resized to"));
        add(ConfigKey.range("clean.image.width", INT, 1, 4096, "width images are resized to"));
        add(ConfigKey.range("clean.image.channels", INT, 1, 3, "channels images are converted to (1 gray, 3 RGB)"));
        add(ConfigKey.range("clean.image.max-pixels", INT, 1, Integer.MAX_VALUE,
                "images with more pixels are quarantined (too_large) from their header, before decoding"));
        add(ConfigKey.oneOf("clean.image.normalize", "pixel scaling: unit = [0,1], none = [0,255]", "unit", "none"));

        add(ConfigKey.of("clean.text.text-column", STRING, "field or column holding the text (JSON Lines, CSV or Parquet input)"));
        add(ConfigKey.of("clean.text.label-column", STRING, "field or column holding the class label"));
        add(ConfigKey.of("clean.text.id-column", STRING,
                "field or column holding the row id; when no row has one, a stable id is derived from the record's content"));
        add(ConfigKey.of("clean.text.strip-html", BOOLEAN, "drop HTML tags, comments and script/style blocks"));
        add(ConfigKey.oneOf("clean.text.unicode-normalization", "Unicode normalization form", "NFKC", "NFC", "none"));
        add(ConfigKey.oneOf("clean.text.special-characters",
                "what survives besides letters/digits of every script: keep-all, punctuation too, nothing, or ASCII only",
                "keep-all", "letters-digits-punct", "letters-digits", "ascii"));
        add(ConfigKey.of("clean.text.lowercase", BOOLEAN, "lower-case with Locale.ROOT (never the JVM locale)"));
        add(ConfigKey.range("clean.text.min-length", INT, 0, 1_000_000, "shorter cleaned texts are quarantined (too_short)"));
        add(ConfigKey.range("clean.text.max-length", INT, 1, 100_000_000, "longer cleaned texts are quarantined (too_long)"));
        add(ConfigKey.of("clean.text.deduplicate", BOOLEAN, "drop exact duplicates of the cleaned text (first id kept)"));
        add(ConfigKey.range("clean.text.near-duplicate-threshold", DOUBLE, 0, 1,
                "drop texts whose character-shingle Jaccard similarity to a kept text is at least this (0 = off)"));
        add(ConfigKey.oneOf("clean.text.conflicting-labels",
                "one cleaned text under different labels: quarantine every such row, or keep (deduplication keeps the first id)",
                "quarantine", "keep"));
        add(ConfigKey.range("clean.text.shingle-size", INT, 1, 16, "characters per shingle for near-duplicate detection"));
        add(ConfigKey.range("clean.text.minhash-bands", INT, 1, 64, "LSH bands: more bands find more near duplicates"));
        add(ConfigKey.range("clean.text.minhash-rows", INT, 1, 32, "min-hashes per band: more rows make buckets stricter"));

        add(ConfigKey.of("clean.tabular.id-column", STRING,
                "row key column (empty = none: a stable id is derived from the row's content and its ordinal)"));
        add(ConfigKey.of("clean.tabular.label-column", STRING, "class label column (integers, or names indexed in sorted order)"));
        add(ConfigKey.of("clean.tabular.numeric-columns", STRING_LIST,
                "columns coerced to double (with categorical-columns empty too: every other column, inferred from its values)"));
        add(ConfigKey.of("clean.tabular.categorical-columns", STRING_LIST, "columns treated as categories"));
        add(ConfigKey.oneOf("clean.tabular.numeric-nulls", "default null policy for numeric columns",
                "drop", "mean", "median", "constant"));
        add(ConfigKey.oneOf("clean.tabular.categorical-nulls", "default null policy for categorical columns",
                "drop", "mode", "constant"));
        add(ConfigKey.of("clean.tabular.numeric-null-constant", DOUBLE, "fill value of the numeric 'constant' policy"));
        add(ConfigKey.of("clean.tabular.categorical-null-constant", STRING, "fill value of the categorical 'constant' policy"));
        add(ConfigKey.of("clean.tabular.nulls", MAP,
                "per-column null policy overriding the defaults: drop, mean, median, mode, constant"));
        add(ConfigKey.oneOf("clean.tabular.outliers", "outlier rule for numeric columns", "none", "iqr", "zscore"));
        add(ConfigKey.range("clean.tabular.outlier-k", DOUBLE, 0.1, 100, "IQR multiplier or z-score limit"));
        add(ConfigKey.oneOf("clean.tabular.outlier-action", "what happens to an outlier", "clip", "drop"));
        add(ConfigKey.oneOf("clean.tabular.scaling", "numeric scaling", "none", "standard", "minmax"));
        add(ConfigKey.oneOf("clean.tabular.encoding", "categorical encoding in the feature vector", "index", "onehot"));
        add(ConfigKey.range("clean.tabular.pca-components", INT, 0, 10_000, "PCA components of the feature vector (0 = off)"));
        add(ConfigKey.of("clean.tabular.fitted", INPUT_PATH,
                "a previous clean output whose stats.json is applied unchanged instead of fitting (scoring new data)"));

        add(ConfigKey.range("augment.copies", INT, 0, 100, "augmented copies made of each training row (original kept)"));
        add(ConfigKey.range("augment.image.flip-horizontal", DOUBLE, 0, 1, "probability of a horizontal flip"));
        add(ConfigKey.range("augment.image.flip-vertical", DOUBLE, 0, 1, "probability of a vertical flip"));
        add(ConfigKey.range("augment.image.brightness", DOUBLE, 0, 1, "max brightness shift (fraction of full range)"));
        add(ConfigKey.range("augment.image.contrast", DOUBLE, 0, 1, "max contrast change (factor 1 +/- this)"));
        add(ConfigKey.range("augment.image.crop-padding", INT, 0, 64, "pad by this many pixels, then crop back at random"));
        add(ConfigKey.range("augment.image.rotation-degrees", DOUBLE, 0, 45, "max rotation either way"));
        add(ConfigKey.range("augment.image.noise-std", DOUBLE, 0, 1, "std of Gaussian pixel noise"));
        add(ConfigKey.range("augment.image.cutout-size", INT, 0, 256, "side of the square cut out (0 = off)"));
        for (String op : new String[] {"brightness", "contrast", "crop", "rotation", "noise", "cutout"}) {
            add(ConfigKey.range("augment.image." + op + "-probability", DOUBLE, 0, 1,
                    "probability the " + op + " op is applied to a copy"));
        }

        add(ConfigKey.range("augment.text.delete-probability", DOUBLE, 0, 0.9, "probability each token is deleted"));
        add(ConfigKey.range("augment.text.swaps", INT, 0, 100, "random token swaps per copy"));

        add(ConfigKey.range("augment.tabular.noise-std", DOUBLE, 0, 10,
                "std of Gaussian noise added to the numeric features (in scaled units)"));
        add(ConfigKey.of("augment.tabular.oversample", BOOLEAN,
                "give minority classes extra noisy copies until every class is about as frequent as the largest"));

        add(ConfigKey.range("pack.shards", INT, 1, 100_000, "Parquet shard files per split"));
        add(ConfigKey.range("pack.row-group-mb", INT, 1, 1024, "target Parquet row-group size in MB"));
        add(ConfigKey.listOf("pack.formats", "layouts written per shard (Parquet is what training reads)",
                "parquet", "mmap", "hdf5"));
        add(ConfigKey.range("pack.hdf5-chunk-rows", INT, 1, 1_000_000, "rows per HDF5 chunk (the unit of reads)"));
        add(ConfigKey.range("pack.hdf5-gzip", INT, 0, 9, "gzip level of the HDF5 datasets (0 = uncompressed)"));
        add(ConfigKey.range("pack.text.sequence-length", INT, 1, 100_000,
                "token ids per text row: longer texts are cut, shorter ones padded with id 0"));
        add(ConfigKey.range("pack.text.min-count", INT, 1, Integer.MAX_VALUE,
                "occurrences in the training split a token needs to enter the vocabulary"));
        add(ConfigKey.range("pack.text.max-vocabulary", INT, 3, 10_000_000,
                "largest vocabulary, padding and unknown included (the most frequent tokens are kept)"));
        add(ConfigKey.oneOf("pack.text.unspaced-scripts",
                "tokens of scripts written without spaces (Chinese, Japanese, Thai...): chars or character bigrams",
                "chars", "bigrams"));

        add(ConfigKey.oneOf("train.model", "network architecture (resnet: a small residual CNN, a ComputationGraph;"
                + " text-mean: mean of token embeddings into dense layers; text-cnn: 1-D convolutions over the embeddings)",
                "mlp", "lenet", "resnet", "text-mean", "text-cnn"));
        add(ConfigKey.range("train.epochs", INT, 1, 10_000, "training epochs"));
        add(ConfigKey.range("train.batch-size", INT, 1, 65_536, "minibatch size per worker"));
        add(ConfigKey.range("train.workers", INT, 1, 4096, "parallel training workers (Spark tasks)"));
        add(ConfigKey.range("train.averaging-frequency", INT, 1, 10_000, "minibatches each worker fits between averagings"));
        add(ConfigKey.range("train.prefetch", INT, 0, 64, "minibatches each worker loads ahead on a second thread"
                + " (0 = on the task thread); a loader error fails the task either way"));
        add(ConfigKey.oneOf("train.updater", "optimizer", "sgd", "nesterov", "adam", "adamw", "rmsprop"));
        add(ConfigKey.range("train.learning-rate", DOUBLE, 1e-9, 10, "base learning rate"));
        add(ConfigKey.range("train.l2", DOUBLE, 0, 1, "L2 weight decay"));
        add(ConfigKey.range("train.dropout", DOUBLE, 0, 0.95, "dropout probability on hidden layers (0 = off)"));
        add(ConfigKey.range("train.hidden-units", INT, 1, 65_536, "units per hidden dense layer"));
        add(ConfigKey.range("train.hidden-layers", INT, 1, 64, "hidden dense layers of the MLP"));
        add(ConfigKey.oneOf("train.dtype", "network data type (float16: half precision, for GPUs; DL4J M2 has no bfloat16 networks)",
                "float32", "float16"));
        add(ConfigKey.oneOf("train.lr-schedule", "learning rate per epoch", "constant", "step", "exponential", "cosine"));
        add(ConfigKey.range("train.lr-decay", DOUBLE, 1e-6, 1, "factor per step (step) or per epoch (exponential)"));
        add(ConfigKey.range("train.lr-step-epochs", INT, 1, 10_000, "epochs per step of the step schedule"));
        add(ConfigKey.range("train.warmup-epochs", INT, 0, 10_000, "epochs of linear warmup before the schedule"));
        add(ConfigKey.range("train.min-learning-rate", DOUBLE, 0, 10, "floor of every schedule (cosine ends here)"));
        add(ConfigKey.oneOf("train.monitor", "validation metric for plateau and early stopping", "val_loss",
                "val_accuracy"));
        add(ConfigKey.range("train.min-delta", DOUBLE, 0, 1, "smallest change of the monitored metric that counts"));
        add(ConfigKey.range("train.plateau-patience", INT, 0, 10_000,
                "epochs without improvement before the rate is cut (0 = off)"));
        add(ConfigKey.range("train.plateau-factor", DOUBLE, 1e-6, 1, "rate multiplier on a plateau"));
        add(ConfigKey.range("train.early-stopping-patience", INT, 0, 10_000,
                "epochs without improvement before training stops and the best epoch is kept (0 = off)"));
        add(ConfigKey.oneOf("train.class-weights", "loss weight per class: none, or balanced (rows / (classes x rows"
                + " of the class), counted on the training split, as scikit-learn's class_weight='balanced')", "none",
                "balanced"));
        add(ConfigKey.range("train.text.embedding-size", INT, 1, 4096, "values per token embedding of the text models"));
        add(ConfigKey.oneOf("train.text.embeddings", "initial token embeddings: word2vec (Spark MLlib, fitted on the"
                + " training split), glove (train.text.glove-file) or random", "word2vec", "glove", "random"));
        add(ConfigKey.of("train.text.glove-file", STRING,
                "embedding file in GloVe's text format (token, then its values, per line) for train.text.embeddings: glove"));
        add(ConfigKey.range("train.text.word2vec-iterations", INT, 1, 1000, "passes of Word2Vec over the training split"));
        add(ConfigKey.range("train.text.window", INT, 1, 100, "Word2Vec context window (tokens each side)"));
        add(ConfigKey.range("train.text.filters", INT, 1, 4096, "convolution filters of text-cnn"));
        add(ConfigKey.range("train.text.kernel", INT, 1, 64, "tokens each text-cnn filter spans"));
        add(ConfigKey.of("train.text.baseline", BOOLEAN,
                "also fit Spark MLlib's TF-IDF + logistic regression on the same tokens and report its accuracy beside the model's"));
        add(ConfigKey.of("train.resume", BOOLEAN, "continue from the newest checkpoint (also: --resume)"));
        add(ConfigKey.of("train.checkpoint-dir", STRING, "checkpoint directory (empty: OUTPUT-checkpoints beside the output)"));
        add(ConfigKey.range("train.checkpoint-keep", INT, 1, 10_000, "newest checkpoints kept (the best epoch is kept too)"));

        add(ConfigKey.of("memory.nd4j-max-bytes", STRING,
                "ND4J off-heap limit per JVM (org.bytedeco.javacpp.maxbytes: 4g, 512m; empty = ND4J's default)"));
        add(ConfigKey.of("memory.nd4j-max-physical-bytes", STRING,
                "process size limit ND4J enforces (org.bytedeco.javacpp.maxphysicalbytes; empty = ND4J's default)"));
        add(ConfigKey.of("memory.executor-overhead", STRING,
                "spark.executor.memoryOverhead: off-heap room Spark reserves per executor (empty = Spark's default)"));

        add(ConfigKey.range("compress.prune-sparsity", DOUBLE, 0, 0.99, "fraction of weights zeroed by magnitude pruning"));
        add(ConfigKey.oneOf("compress.prune-scope", "one magnitude threshold for all weights, or one per layer",
                "global", "layer"));
        add(ConfigKey.range("compress.structured-sparsity", DOUBLE, 0, 0.95, "fraction of each hidden dense layer's"
                + " neurons and each convolution's channels removed (structured pruning: a smaller, faster dense"
                + " network, fine-tuned and then published by export); 0 = off"));
        add(ConfigKey.range("compress.finetune-epochs", INT, 0, 1000,
                "epochs of gradual pruning + fine-tuning on Spark (0 = one-shot pruning)"));
        add(ConfigKey.range("compress.finetune-learning-rate", DOUBLE, 1e-9, 10, "learning rate while fine-tuning"));
        add(ConfigKey.range("compress.distill-epochs", INT, 0, 1000,
                "epochs of knowledge distillation into a smaller MLP student on Spark (0 = off)"));
        add(ConfigKey.range("compress.student-hidden-units", INT, 1, 65_536, "units per hidden layer of the student"));
        add(ConfigKey.range("compress.student-hidden-layers", INT, 1, 64, "hidden layers of the student"));
        add(ConfigKey.range("compress.distill-temperature", DOUBLE, 1, 100, "softmax temperature of the teacher's targets"));
        add(ConfigKey.of("compress.distill-teacher", STRING, "an export or ensemble output whose model.onnx teaches "
                + "the student, run in ONNX Runtime on the executors (empty: the model being compressed)"));
        add(ConfigKey.range("compress.distill-alpha", DOUBLE, 0, 1, "weight of the soft targets against the hard labels"));
        add(ConfigKey.oneOf("compress.quantize", "post-training weight quantization", "none", "int8"));
        add(ConfigKey.of("compress.fp16", BOOLEAN, "also write the pruned model with half-precision parameters"));
        add(ConfigKey.range("compress.calibration-rows", INT, 1, 1_000_000,
                "training rows whose activation ranges calibrate full int8 (onnx-int8)"));

        add(ConfigKey.range("ensemble.bagging-members", INT, 0, 64,
                "networks of train.model trained on Poisson bootstrap samples of the training split, each with its own seed"));
        add(ConfigKey.of("ensemble.bootstrap", BOOLEAN, "each network trains on its own Poisson bootstrap sample "
                + "(false: on all training rows, differing by seed only)"));
        add(ConfigKey.range("ensemble.epochs", INT, 0, 10_000, "epochs per bagged network (0: train.epochs)"));
        add(ConfigKey.listOf("ensemble.mllib", "Spark MLlib members on the packed rows (token ids: bag-of-words counts):"
                + " lr (multinomial logistic regression), rf (random forest), gbt (gradient-boosted trees, one-vs-rest"
                + " beyond two classes)", "lr", "rf", "gbt"));
        add(ConfigKey.range("ensemble.trees", INT, 1, 1000, "trees in the random forest member"));
        add(ConfigKey.range("ensemble.max-depth", INT, 1, 30, "depth limit of the tree members (GBT: at most 5)"));
        add(ConfigKey.range("ensemble.gbt-iterations", INT, 1, 1000, "boosting rounds of each GBT"));
        add(ConfigKey.oneOf("ensemble.export", "the combination written as model.onnx (members and head in one graph): "
                + "auto (weighted with a validation split, else average; a text model with MLlib members: "
                + "networks-average), or one by name", "auto", "average", "weighted", "stacking", "hard-vote",
                "networks-average"));
        add(ConfigKey.of("ensemble.stacking", BOOLEAN, "fit a logistic regression on the members' validation-split "
                + "probabilities (needs a validation split; never sees the test split)"));

        add(ConfigKey.listOf("export.formats", "model formats to export (onnx-int8: QDQ int8 weights)", "dl4j", "onnx",
                "onnx-int8"));

        add(ConfigKey.range("score.batch-size", INT, 1, 65_536, "rows scored per model call"));
        add(ConfigKey.oneOf("score.engine", "what scores in the executors: onnx (ONNX Runtime on model.onnx, one "
                + "session per executor), onnx-int8 (model-int8.onnx), dl4j (model.zip)", "onnx", "onnx-int8", "dl4j"));

        // the online model server (`serve`)
        add(ConfigKey.of("serve.host", STRING, "address the server binds (127.0.0.1: this machine only)"));
        add(ConfigKey.range("serve.port", INT, 0, 65_535, "port the server listens on (0: any free port)"));
        add(ConfigKey.range("serve.max-batch-size", INT, 1, 65_536,
                "rows run together at most by dynamic batching (1: every request alone)"));
        add(ConfigKey.range("serve.max-delay-ms", INT, 0, 10_000, "how long a batch waits for more requests"));
        add(ConfigKey.range("serve.replicas", INT, 1, 256, "worker threads running batches on the shared session"));
        add(ConfigKey.range("serve.queue-capacity", INT, 1, 1_000_000,
                "requests waiting at most; beyond it the server answers 503 with Retry-After"));
        add(ConfigKey.range("serve.max-body-bytes", INT, 1024, Integer.MAX_VALUE, "largest request body (else 413)"));
        add(ConfigKey.oneOf("serve.variant", "which ONNX file to serve: auto (the export manifest's measured choice), "
                + "fp32 (model.onnx) or int8 (model-int8.onnx)", "auto", "fp32", "int8"));
        add(ConfigKey.range("serve.intra-op-threads", INT, 0, 1024,
                "ONNX Runtime threads per batch (0: the cores divided among the replicas)"));
        add(ConfigKey.range("serve.http-threads", INT, 1, 4096, "threads reading requests and waiting for answers"));

        // the Airflow DAG that `pipeline dag` writes (Airflow Variables of the same names override the paths)
        add(ConfigKey.of("airflow.dag-id", STRING, "the DAG's id (empty: dlpipe_<pipeline.name>)"));
        add(ConfigKey.of("airflow.schedule", STRING,
                "cron expression or preset (@daily, @hourly...); empty: runs only when triggered (also: --schedule)"));
        add(ConfigKey.of("airflow.start-date", STRING, "first logical date the schedule counts from (YYYY-MM-DD)"));
        add(ConfigKey.of("airflow.catchup", BOOLEAN, "run the intervals between start-date and now (backfill on deploy)"));
        add(ConfigKey.range("airflow.max-active-runs", INT, 1, 64,
                "DAG runs at once (1 while a pipeline trains: two trainings would fight for the executors)"));
        add(ConfigKey.of("airflow.owner", STRING, "owner shown in Airflow"));
        add(ConfigKey.of("airflow.tags", STRING_LIST, "tags shown in Airflow (dlpipe and the data kind are added)"));
        add(ConfigKey.range("airflow.retries", INT, 0, 100, "retries of a failed stage task"));
        add(ConfigKey.range("airflow.retry-delay-minutes", INT, 0, 1440, "wait before a retry"));
        add(ConfigKey.range("airflow.timeout-minutes", INT, 1, 100_000, "execution timeout of each stage task"));
        add(ConfigKey.of("airflow.stage-timeout-minutes", MAP,
                "execution timeout of named stages, overriding airflow.timeout-minutes (e.g. {train: 360})"));
        add(ConfigKey.of("airflow.conn-id", STRING, "Airflow connection of the Spark master (spark_default)"));
        add(ConfigKey.of("airflow.dlpipe-home", STRING,
                "dlpipe checkout or install on the Airflow workers (conf/, the pipeline file; Variable dlpipe_home)"));
        add(ConfigKey.of("airflow.jar", STRING,
                "job jar as the workers see it (empty: <dlpipe-home>/target/dlpipe-VERSION-job.jar; Variable dlpipe_jar)"));
        add(ConfigKey.of("airflow.run-root", STRING,
                "where each DAG run writes <run-root>/<pipeline.name>/<ds> (empty: <dlpipe-home>/runs; Variable dlpipe_run_root)"));
        add(ConfigKey.of("airflow.driver-memory", STRING, "spark-submit --driver-memory of every task"));
    }

    private ConfigSchema() {
    }

    private static void add(ConfigKey key) {
        if (KEYS.put(key.name(), key) != null) {
            throw new IllegalStateException("duplicate config key " + key.name());
        }
    }

    public static Map<String, ConfigKey> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    public static ConfigKey get(String name) {
        return KEYS.get(name);
    }

    /** True if {@code prefix} is a proper prefix of some key (a YAML section such as {@code train}). */
    static boolean isSection(String prefix) {
        String p = prefix + ".";
        for (String k : KEYS.keySet()) {
            if (k.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** The known key closest to a misspelt one, for "did you mean" hints; null if nothing is close. */
    static String closest(String unknown) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : KEYS.keySet()) {
            int d = editDistance(unknown, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, unknown.length() / 4) ? best : null;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
