package dev.dlpipe.train;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.HtmlChart;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.core.UserError;
import dev.dlpipe.image.TensorSpec;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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

    @Override
    public String name() {
        return "train";
    }

    @Override
    public List<String> configSections() {
        return List.of("train");
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
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(spec.numClasses());

        MultiLayerNetwork net = new MultiLayerNetwork(ModelFactory.build(s, spec));
        net.init();
        DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, net, s);
        LOG.info("[train] {} on {} train rows ({} shards), model {} with {} parameters", trainer.describe(),
                train.rows(), train.shards().size(), s.model(), net.numParams());

        List<String> batches = train.minibatches(s.batchSize());
        JavaRDD<String> valRefs = validation.rows() == 0 ? null
                : jsc.parallelize(validation.minibatches(EVAL_BATCH), s.workers());
        List<Double> valAccuracy = new ArrayList<>();
        List<Double> valLoss = new ArrayList<>();
        List<Double> samplesPerSecond = new ArrayList<>();
        StringBuilder metricsLines = new StringBuilder();
        long trainStart = System.nanoTime();
        for (int epoch = 1; epoch <= s.epochs(); epoch++) {
            List<String> shuffled = new ArrayList<>(batches);
            Collections.shuffle(shuffled, new Random(s.seed() * 31 + epoch)); // new minibatch order each epoch
            long t0 = System.nanoTime();
            trainer.fitEpoch(jsc.parallelize(shuffled, s.workers()), loader);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double rate = train.rows() / seconds;
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("epoch", epoch);
            line.put("train_seconds", Evaluations.round(seconds));
            line.put("samples_per_second", Math.round(rate));
            if (valRefs != null) {
                Evaluation eval = (Evaluation) trainer.evaluate(valRefs, loader, new Evaluation(spec.numClasses()))[0];
                double loss = trainer.loss(valRefs, loader);
                line.put("val_accuracy", Evaluations.round(eval.accuracy()));
                line.put("val_macro_f1", Evaluations.round(eval.f1()));
                line.put("val_loss", Evaluations.round(loss));
                valAccuracy.add(eval.accuracy());
                valLoss.add(loss);
            }
            samplesPerSecond.add(rate);
            metricsLines.append(Json.writeLine(line)).append('\n');
            Fs.writeString(ctx.out("metrics.jsonl"), metricsLines.toString());
            double elapsed = (System.nanoTime() - trainStart) / 1e9;
            LOG.info("[train] epoch {}/{}: {} samples/s, val accuracy {}, val loss {}, ETA {}s", epoch, s.epochs(),
                    Math.round(rate), line.get("val_accuracy"), line.get("val_loss"),
                    Math.round(elapsed / epoch * (s.epochs() - epoch)));
        }

        MultiLayerNetwork trained = trainer.network();
        try (OutputStream out = Fs.create(ctx.out(MODEL))) {
            ModelSerializer.writeModel(trained, out, true);
        }
        spec.writeTo(ctx.output());

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("trainer", trainer.describe());
        metrics.put("model", s.model());
        metrics.put("parameters", trained.numParams());
        metrics.put("train_rows", train.rows());
        metrics.put("epochs", s.epochs());
        metrics.put("train_seconds", Evaluations.round((System.nanoTime() - trainStart) / 1e9));
        metrics.put("samples_per_second_last_epoch", Math.round(samplesPerSecond.get(samplesPerSecond.size() - 1)));
        if (!valAccuracy.isEmpty()) {
            metrics.put("val_accuracy", Evaluations.round(valAccuracy.get(valAccuracy.size() - 1)));
        }
        Map<String, Object> evaluation = new LinkedHashMap<>();
        if (test.rows() > 0) {
            Evaluation eval = (Evaluation) trainer.evaluate(jsc.parallelize(test.minibatches(EVAL_BATCH), s.workers()),
                    loader, new Evaluation(spec.numClasses()))[0];
            evaluation.put("test", Evaluations.toMap(eval, spec.numClasses()));
            metrics.put("test_accuracy", Evaluations.round(eval.accuracy()));
            metrics.put("test_macro_f1", Evaluations.round(eval.f1()));
        }
        Fs.writeString(ctx.out("evaluation.json"), Json.write(evaluation));
        Map<String, List<Double>> curves = new LinkedHashMap<>();
        if (!valAccuracy.isEmpty()) {
            curves.put("validation accuracy", valAccuracy);
            curves.put("validation loss", valLoss);
        }
        curves.put("training samples/s", samplesPerSecond);
        Fs.writeString(ctx.out("training-curve.html"), HtmlChart.page("Training: " + s.model(), curves));
        return StageResult.of(Counts.notApplicable(), metrics);
    }
}
