package dev.dlpipe.train;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.HtmlChart;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.text.TextModelSetup;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.evaluation.classification.Evaluation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the configured network on the packed training split with a {@link DistributedTrainer}, evaluating on the
 * validation split after every epoch (on the executors) and on the test split at the end. Writes {@code model.zip},
 * {@code metrics.jsonl} (one line per epoch), {@code evaluation.json} and {@code training-curve.html}.
 */
public final class TrainStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(TrainStage.class);
    public static final String MODEL = "model.zip";
    /** Rows per minibatch when evaluating (larger than training batches: no gradients are kept). */
    public static final int EVAL_BATCH = 256;

    /** Training rows measured after each epoch for the training curve (a fixed sample: the whole split costs more). */
    public static final int TRAIN_CURVE_ROWS = 4096;

    /** metrics.jsonl (one line per epoch) and training-curve.html, rewritten after every epoch. */
    private static void writeProgress(StageContext ctx, List<Map<String, Object>> history, String model, String note) {
        StringBuilder lines = new StringBuilder();
        for (Map<String, Object> line : history) {
            lines.append(Json.writeLine(line)).append('\n');
        }
        Fs.writeString(ctx.out("metrics.jsonl"), lines.toString());
        Fs.writeString(ctx.out(CURVE), HtmlChart.page("Training: " + model, note, curvePanels(history)));
    }

    public static final String CURVE = "training-curve.html";

    /** Loss and accuracy (training sample beside validation), learning rate and throughput, per epoch. */
    public static List<HtmlChart.Panel> curvePanels(List<Map<String, Object>> history) {
        return List.of(
                new HtmlChart.Panel("Loss", "loss", List.of(
                        new HtmlChart.Series("train", HtmlChart.column(history, "train_loss")),
                        new HtmlChart.Series("validation", HtmlChart.column(history, "val_loss")))),
                new HtmlChart.Panel("Accuracy", "accuracy", List.of(
                        new HtmlChart.Series("train", HtmlChart.column(history, "train_accuracy")),
                        new HtmlChart.Series("validation", HtmlChart.column(history, "val_accuracy")))),
                new HtmlChart.Panel("Learning rate", "learning rate", List.of(
                        new HtmlChart.Series("learning rate", HtmlChart.column(history, "learning_rate")))),
                new HtmlChart.Panel("Throughput", "samples/s", List.of(
                        new HtmlChart.Series("samples/s", HtmlChart.column(history, "samples_per_second")))));
    }

    /** The train.* settings a checkpoint must share with the run that resumes it (not epochs or resume itself). */
    private static Map<String, Object> resultConfig(StageContext ctx) {
        Map<String, Object> m = new java.util.TreeMap<>(ctx.config().section("train"));
        m.keySet().removeAll(List.of("train.epochs", "train.resume", "train.checkpoint-dir", "train.checkpoint-keep",
                "train.early-stopping-patience", "train.workers", "train.prefetch"));
        m.put("run.seed", ctx.config().integer("run.seed"));
        return m;
    }

    private static void checkSameConfig(Checkpoints.Loaded resumed, Map<String, Object> now) {
        Map<String, Object> then = map(resumed.state().get("train_config"));
        for (Map.Entry<String, Object> e : now.entrySet()) {
            Object was = then.get(e.getKey());
            if (!String.valueOf(was).equals(String.valueOf(e.getValue()))) {
                throw new UserError("--resume: checkpoint " + resumed.path() + " was trained with " + e.getKey() + "="
                        + was + ", this run has " + e.getValue() + "; use the same value or start without --resume");
            }
        }
    }

    /** A checkpoint trained on other data cannot continue on this pack: its epochs counted other minibatches. */
    static void checkSameData(Checkpoints.Loaded resumed, String sha256, String input) {
        Object then = resumed.state().get("input_sha256");
        if (then == null) {
            throw new UserError("--resume: checkpoint " + resumed.path() + " does not record which packed data it was"
                    + " trained on (made by an older dlpipe); start without --resume");
        }
        if (!then.equals(sha256)) {
            throw new UserError("--resume: checkpoint " + resumed.path() + " was trained on other data (pack SHA-256 "
                    + then + "), not on " + input + " (" + sha256 + "); use the same pack or start without --resume");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Override
    public String name() {
        return "train";
    }

    /**
     * The model against the input's shape: read from the shards when they exist (HDF5 or Parquet, footers and
     * labels only), else the shape clean.image.* will give the images a planned pack writes.
     */
    @Override
    public void preflight(Config config, List<String> inputs) {
        TrainSettings s = TrainSettings.from(config);
        ModelKind model = ModelKind.of(s.model());
        if (inputs.get(0) != null && Fs.exists(inputs.get(0))) {
            String trainDir = Fs.child(inputs.get(0), Splits.TRAIN);
            ShardIndex train = ShardIndex.of(trainDir);
            if (train.rows() == 0) {
                throw new UserError(inputs.get(0) + ": no training rows: expected tensor shards (.parquet, or .h5 from"
                        + " h5py) under " + Splits.TRAIN + "/, with optional " + Splits.VALIDATION + "/ and "
                        + Splits.TEST + "/ beside it");
            }
            model.requireFits(train.spec(), trainDir);
        } else if ("image".equals(config.string("pipeline.data-kind"))) {
            model.requireFits(new TensorSpec(config.integer("clean.image.channels"), config.integer("clean.image.height"),
                    config.integer("clean.image.width"), config.string("clean.image.normalize"), 0),
                    "clean.image.height/width (the images pack will write)");
        } else if ("text".equals(config.string("pipeline.data-kind"))) {
            model.requireFits(new TensorSpec(1, 1, config.integer("pack.text.sequence-length"), TensorSpec.TOKEN_IDS, 0,
                    3), "the text pack will write");
        } else if ("tabular".equals(config.string("pipeline.data-kind"))) {
            model.requireFits(new TensorSpec(1, 1, 1, TensorSpec.TABULAR_STATS, 0), "the table pack will write");
        }
        if (model.text() && "glove".equals(config.string("train.text.embeddings"))) {
            dev.dlpipe.text.WordEmbeddings.requireGloveFile(config.string("train.text.glove-file"),
                    config.origin("train.text.glove-file"));
        }
    }


    @Override
    public StageResult run(StageContext ctx) throws IOException {
        TrainSettings s = TrainSettings.from(ctx.config());
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(0), Splits.TRAIN));
        ShardIndex validation = ShardIndex.of(Fs.child(ctx.input(0), Splits.VALIDATION));
        ShardIndex test = ShardIndex.of(Fs.child(ctx.input(0), Splits.TEST));
        if (train.rows() == 0) {
            throw new UserError(ctx.input(0) + ": the training split is empty (no shards under train/)");
        }
        TensorSpec spec = train.spec();
        ModelKind.of(s.model()).requireFits(spec, train.dir());
        if (!train.checkedTwoClasses()) { // Parquet written without statistics: count the labels
            dev.dlpipe.core.Labels.requireTwoClasses(ctx.spark().read().parquet(Fs.child(ctx.input(0), Splits.TRAIN)),
                    "label", Fs.child(ctx.input(0), Splits.TRAIN));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(spec.numClasses());

        if (s.rules().active() && validation.rows() == 0) {
            throw new UserError("train.plateau-patience / train.early-stopping-patience need a validation split, and "
                    + ctx.input(0) + " has none (split.validation)");
        }
        Checkpoints checkpoints = new Checkpoints(s.checkpointDir().isEmpty() ? ctx.target() + "-checkpoints"
                : s.checkpointDir(), s.checkpointKeep());
        Map<String, Object> trainConfig = resultConfig(ctx);
        Model net;
        EpochRules.State rules = s.rules().start();
        List<Map<String, Object>> history = new ArrayList<>();
        int firstEpoch = 1;
        Checkpoints.Loaded resumed = s.resume() ? checkpoints.latest() : null;
        if (resumed != null) {
            checkSameConfig(resumed, trainConfig);
            checkSameData(resumed, ctx.inputSha256(0), ctx.input(0));
            net = resumed.network();
            rules = EpochRules.State.fromMap(map(resumed.state().get("rules")));
            for (Object line : (List<?>) resumed.state().get("history")) {
                history.add(map(line));
            }
            firstEpoch = resumed.epoch() + 1;
            LOG.info("[train] resuming after epoch {} from {}", resumed.epoch(), resumed.path());
        } else {
            if (s.resume()) {
                LOG.info("[train] --resume: no checkpoint in {}, starting from epoch 1", checkpoints.dir());
            }
            net = ModelFactory.create(s, spec);
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        if ("balanced".equals(s.classWeights())) {
            long[] counts = ClassWeights.count(jsc, train, spec.numClasses(), s.workers());
            double[] weights = ClassWeights.balanced(counts);
            ClassWeights.apply(net, weights); // also on resume: the checkpoint's configuration has them already
            setup.put("class_rows", counts);
            setup.put("class_weights", java.util.Arrays.stream(weights).map(Evaluations::round).toArray());
        }
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> trainTokens = spec.tokenIds()
                ? TextModelSetup.trainTokens(ctx.spark(), train, spec.numClasses(), s.workers()) : null;
        if (trainTokens != null && resumed == null) {
            setup.put("embeddings", TextModelSetup.initEmbeddings(ctx.config(), trainTokens, ctx.input(0), net));
            LOG.info("[train] embeddings: {}", setup.get("embeddings"));
        }
        DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, net, s);
        LOG.info("[train] {} on {} train rows ({} shards), model {} with {} parameters, checkpoints in {}",
                trainer.describe(), train.rows(), train.shards().size(), s.model(), net.numParams(), checkpoints.dir());

        List<String> batches = train.minibatches(s.batchSize());
        JavaRDD<String> valRefs = validation.rows() == 0 ? null
                : jsc.parallelize(validation.minibatches(EVAL_BATCH), s.workers());
        // the training curve's own sample: the same rows every epoch, so its points are comparable
        List<String> trainSample = train.minibatches(EVAL_BATCH);
        trainSample = trainSample.subList(0, Math.min(trainSample.size(), Math.max(1, TRAIN_CURVE_ROWS / EVAL_BATCH)));
        JavaRDD<String> trainRefs = jsc.parallelize(trainSample, s.workers());
        long trainSampleRows = Math.min(train.rows(), (long) trainSample.size() * EVAL_BATCH);
        long trainStart = System.nanoTime();
        int ranEpochs = 0;
        for (int epoch = firstEpoch; epoch <= s.epochs() && !rules.stop(); epoch++) {
            double rate = s.schedule().rate(epoch) * rules.rateFactor();
            long t0 = System.nanoTime();
            EpochLoop.fit(trainer, jsc, batches, loader, s, EpochLoop.Purpose.TRAIN, epoch, rate);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("epoch", epoch);
            line.put("learning_rate", rate);
            line.put("train_seconds", Evaluations.round(seconds));
            line.put("samples_per_second", Math.round(train.rows() / seconds));
            Evaluation trainEval = (Evaluation) trainer.evaluate(trainRefs, loader, new Evaluation(spec.numClasses()))[0];
            line.put("train_loss", Evaluations.round(trainer.loss(trainRefs, loader)));
            line.put("train_accuracy", Evaluations.round(trainEval.accuracy()));
            if (valRefs != null) {
                Evaluation eval = (Evaluation) trainer.evaluate(valRefs, loader, new Evaluation(spec.numClasses()))[0];
                double loss = trainer.loss(valRefs, loader);
                line.put("val_accuracy", Evaluations.round(eval.accuracy()));
                line.put("val_macro_f1", Evaluations.round(eval.f1()));
                line.put("val_loss", Evaluations.round(loss));
                Map<String, Object> detail = Evaluations.toMap(eval, spec.numClasses());
                line.put("val_per_class", detail.get("per_class"));
                line.put("val_confusion_matrix", detail.get("confusion_matrix"));
                rules = s.rules().after(rules, epoch, "val_accuracy".equals(s.rules().monitor()) ? eval.accuracy() : loss);
            }
            history.add(line);
            writeProgress(ctx, history, s.model(), "Train loss and accuracy are measured after each epoch on the same "
                    + trainSampleRows + " training rows; validation on all " + validation.rows() + " validation rows.");
            Map<String, Object> state = new LinkedHashMap<>();
            state.put("epoch", epoch);
            state.put("rules", rules.toMap());
            state.put("history", history);
            state.put("train_config", trainConfig);
            state.put("input_sha256", ctx.inputSha256(0));
            String written = checkpoints.write(epoch, trainer.network(), state, rules.bestEpoch());
            ranEpochs++;
            LOG.info("[train] epoch {}/{}: lr {}, {} samples/s, train loss {} / accuracy {}, val loss {} / accuracy {}, "
                    + "ETA {}; checkpoint {}", epoch, s.epochs(), String.format(java.util.Locale.ROOT, "%.3g", rate),
                    line.get("samples_per_second"), line.get("train_loss"), line.get("train_accuracy"),
                    line.get("val_loss"), line.get("val_accuracy"),
                    dev.dlpipe.core.Eta.of(ranEpochs, s.epochs() - firstEpoch + 1, trainStart), written);
            if (rules.stop()) {
                LOG.info("[train] early stopping after epoch {}: no {} improvement since epoch {}", epoch,
                        s.rules().monitor(), rules.bestEpoch());
            }
        }
        if (rules.stop() && rules.bestEpoch() > 0 && rules.bestEpoch() != history.size()) {
            // keep the best epoch's weights, as early stopping promises
            trainer = new ParameterAveragingTrainer(jsc, checkpoints.load(rules.bestEpoch()).network(), s);
        }
        Model trained = trainer.network();
        try (OutputStream out = Fs.create(ctx.out(MODEL))) {
            ModelSerializer.writeModel(trained, out, true);
        }
        spec.writeTo(ctx.output());
        dev.dlpipe.core.CarriedFiles.carry(ctx.input(0), ctx.output());

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("trainer", trainer.describe());
        metrics.put("model", s.model());
        metrics.put("parameters", trained.numParams());
        metrics.put("train_rows", train.rows());
        metrics.put("epochs", history.size());
        metrics.put("resumed_after_epoch", resumed == null ? null : resumed.epoch());
        metrics.put("early_stopped", rules.stop());
        metrics.put("best_epoch", rules.bestEpoch() > 0 ? rules.bestEpoch() : null);
        int published = rules.stop() && rules.bestEpoch() > 0 ? rules.bestEpoch() : history.get(history.size() - 1)
                .get("epoch") instanceof Number n ? n.intValue() : history.size();
        metrics.put("published_epoch", published);
        if (rules.bestEpoch() > 0 && rules.bestEpoch() != published) {
            String note = "the published model is epoch " + published + "'s; epoch " + rules.bestEpoch() + " had the best "
                    + s.rules().monitor() + " (set train.early-stopping-patience to publish the best epoch instead)";
            metrics.put("published_epoch_note", note);
            LOG.warn("[train] {}", note);
        }
        metrics.put("checkpoints", Fs.relativeTo(Fs.parent(ctx.target()), checkpoints.dir()));
        metrics.put("train_seconds_this_run", Evaluations.round((System.nanoTime() - trainStart) / 1e9));
        Map<String, Object> last = history.get(history.size() - 1);
        metrics.put("samples_per_second_last_epoch", last.get("samples_per_second"));
        Map<String, Object> publishedLine = history.stream().filter(l -> l.get("epoch") instanceof Number n
                && n.intValue() == published).findFirst().orElse(last);
        Object valAccuracy = publishedLine.get("val_accuracy");
        if (valAccuracy != null) {
            metrics.put("val_accuracy", valAccuracy);
        }
        Double testAccuracy = null;
        Map<String, Object> evaluation = new LinkedHashMap<>();
        if (test.rows() > 0) {
            Evaluation eval = (Evaluation) trainer.evaluate(jsc.parallelize(test.minibatches(EVAL_BATCH), s.workers()),
                    loader, new Evaluation(spec.numClasses()))[0];
            evaluation.put("test", Evaluations.toMap(eval, spec.numClasses()));
            testAccuracy = Evaluations.round(eval.accuracy());
            metrics.put("test_accuracy", testAccuracy);
            metrics.put("test_macro_f1", Evaluations.round(eval.f1()));
        }
        metrics.putAll(setup);
        if (trainTokens != null && ctx.config().bool("train.text.baseline")) {
            Map<String, Object> baseline = TextModelSetup.baseline(ctx.spark(), trainTokens, test, validation,
                    spec.numClasses(), s.workers());
            if (baseline != null) {
                metrics.put("baseline_tfidf_logreg", baseline);
                LOG.info("[train] baseline {}: {} accuracy {} (the model: {})", baseline.get("model"),
                        baseline.get("evaluated_on"), baseline.get(baseline.get("evaluated_on") + "_accuracy"),
                        testAccuracy != null ? testAccuracy : valAccuracy);
            }
        }
        if (trainTokens != null) {
            trainTokens.unpersist();
        }
        Fs.writeString(ctx.out("evaluation.json"), Json.write(evaluation));
        Object baselineAccuracy = metrics.get("baseline_tfidf_logreg") instanceof Map<?, ?> b
                ? b.get(b.get("evaluated_on") + "_accuracy") : null;
        return StageResult.of(Counts.notApplicable(), metrics, "val acc " + valAccuracy + ", test acc " + testAccuracy
                + (baselineAccuracy == null ? "" : " (TF-IDF + logistic regression: " + baselineAccuracy + ")")
                + ", " + last.get("samples_per_second") + " samples/s");
    }
}
