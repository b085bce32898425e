package dev.dlpipe.compress;

import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.image.TensorSpec;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.train.DistributedTrainer;
import dev.dlpipe.train.Evaluations;
import dev.dlpipe.train.Models;
import dev.dlpipe.train.ParameterAveragingTrainer;
import dev.dlpipe.train.TrainSettings;
import dev.dlpipe.train.TrainStage;
import dev.dlpipe.load.BatchPolicy;
import dev.dlpipe.load.EpochIterator;
import dev.dlpipe.load.ParquetBlocks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Compresses the trained model: global magnitude pruning to {@code compress.prune-sparsity}, then int8 per-channel
 * weight quantization of the pruned model. Every variant is evaluated on the test split on the executors and
 * reported with its parameter count, non-zero parameters and file size ({@code compression-report.json/.md}).
 * Inputs: the train output (model.zip) and the pack output (test split).
 */
public final class CompressStage implements Stage {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CompressStage.class);
    public static final String PRUNED = "model-pruned.zip";
    public static final String INT8 = "model-int8.dlq";
    public static final String FP16 = "model-fp16.zip";

    @Override
    public String name() {
        return "compress";
    }

    @Override
    public List<String> configSections() {
        return List.of("compress");
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        double sparsity = ctx.config().number("compress.prune-sparsity");
        boolean int8 = "int8".equals(ctx.config().string("compress.quantize"));
        MultiLayerNetwork original = Models.read(Fs.child(ctx.input(0), TrainStage.MODEL));
        ShardIndex test = ShardIndex.of(Fs.child(ctx.input(1), Splits.TEST));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        TrainSettings settings = TrainSettings.from(ctx.config());
        JavaRDD<String> testRefs = test.rows() == 0 ? null : jsc.parallelize(test.minibatches(TrainStage.EVAL_BATCH), settings.workers());

        List<Map<String, Object>> variants = new ArrayList<>();
        String fp32File = ctx.out("model-fp32.zip");
        Models.write(original, fp32File, false);
        variants.add(variant("fp32", original, fp32File, accuracy(jsc, original, settings, testRefs)));

        boolean perLayer = "layer".equals(ctx.config().string("compress.prune-scope"));
        int finetuneEpochs = ctx.config().integer("compress.finetune-epochs");
        MultiLayerNetwork oneShot = original.clone();
        Map<String, Double> thresholds = MagnitudePruner.thresholds(oneShot.paramTable(), sparsity, perLayer);
        MagnitudePruner.prune(oneShot.paramTable(), thresholds);
        MultiLayerNetwork pruned = oneShot;
        if (finetuneEpochs > 0) {
            String oneShotFile = ctx.out("model-pruned-oneshot.zip");
            Models.write(oneShot, oneShotFile, false);
            variants.add(prunedVariant("pruned, one-shot", oneShot, oneShotFile, accuracy(jsc, oneShot, settings, testRefs)));
            pruned = fineTune(ctx, jsc, original.clone(), settings, sparsity, perLayer, finetuneEpochs);
        }
        Models.write(pruned, ctx.out(PRUNED), false);
        variants.add(prunedVariant(finetuneEpochs > 0 ? "pruned, fine-tuned " + finetuneEpochs + " epochs" : "pruned",
                pruned, ctx.out(PRUNED), accuracy(jsc, pruned, settings, testRefs)));

        if (ctx.config().bool("compress.fp16")) {
            // the lighter option: every parameter in half precision (a DL4J zip), no calibration needed
            MultiLayerNetwork half = pruned.convertDataType(org.nd4j.linalg.api.buffer.DataType.HALF);
            Models.write(half, ctx.out(FP16), false);
            variants.add(variant("pruned+fp16", half, ctx.out(FP16), accuracy(jsc, half, settings, testRefs)));
        }
        if (int8) {
            try (OutputStream out = Fs.create(ctx.out(INT8))) {
                Int8ModelFile.write(pruned, out);
            }
            MultiLayerNetwork dequantized;
            try (InputStream in = Fs.open(ctx.out(INT8))) {
                dequantized = Int8ModelFile.read(in, ctx.out(INT8));
            }
            variants.add(variant("pruned+int8", dequantized, ctx.out(INT8), accuracy(jsc, dequantized, settings, testRefs)));
            // activation ranges for full int8 (export's onnx-int8), from a sample of the training split
            ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
            int rows = (int) Math.min(train.rows(), ctx.config().integer("compress.calibration-rows"));
            if (rows > 0) {
                EpochIterator sample = new EpochIterator(new ParquetBlocks(train),
                        new BatchPolicy(rows, true, settings.seed(), 4 * rows, false, 0));
                ActivationCalibration.write(ctx.out(ActivationCalibration.FILE),
                        ActivationCalibration.inputRanges(pruned, sample.next().getFeatures()), rows);
            }
        }
        int distillEpochs = ctx.config().integer("compress.distill-epochs");
        if (distillEpochs > 0) {
            variants.addAll(distill(ctx, jsc, original, settings, distillEpochs, testRefs));
        }
        TensorSpec.readFrom(ctx.input(0)).writeTo(ctx.output());

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("prune_sparsity_target", sparsity);
        report.put("prune_scope", perLayer ? "layer" : "global");
        report.put("finetune_epochs", finetuneEpochs);
        report.put("variants", variants);
        Fs.writeString(ctx.out("compression-report.json"), Json.write(report));
        Fs.writeString(ctx.out("compression-report.md"), table(variants));

        Map<String, Object> metrics = new LinkedHashMap<>();
        Map<String, Object> first = variants.get(0);
        // the variant export publishes: pruned+int8 when quantizing, else the pruned model (students are reported only)
        Map<String, Object> last = variants.stream().filter(v -> "pruned+int8".equals(v.get("variant"))).findFirst()
                .orElseGet(() -> variants.stream().filter(v -> v.get("file").equals(PRUNED)).findFirst().orElseThrow());
        metrics.put("fp32_bytes", first.get("file_bytes"));
        metrics.put("compressed_bytes", last.get("file_bytes"));
        metrics.put("compressed_variant", last.get("variant"));
        metrics.put("size_ratio", Evaluations.round(((Number) first.get("file_bytes")).doubleValue()
                / ((Number) last.get("file_bytes")).doubleValue()));
        metrics.put("fp32_test_accuracy", first.get("test_accuracy"));
        metrics.put("compressed_test_accuracy", last.get("test_accuracy"));
        return StageResult.of(Counts.notApplicable(), metrics);
    }

    /**
     * Gradual pruning on Spark: each epoch raises sparsity along the cubic ramp, prunes, then fine-tunes one epoch on
     * the training split with the same parameter-averaging trainer while a {@link PruningMask} hook keeps the
     * pruned weights at zero after every update on every executor.
     */
    private static MultiLayerNetwork fineTune(StageContext ctx, JavaSparkContext jsc, MultiLayerNetwork net,
                                              TrainSettings settings, double target, boolean perLayer, int epochs) {
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
        List<String> refs = train.minibatches(settings.batchSize());
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(train.spec().numClasses());
        double rate = ctx.config().number("compress.finetune-learning-rate");
        MultiLayerNetwork current = net;
        for (int e = 1; e <= epochs; e++) {
            double s = MagnitudePruner.gradualSparsity(target, e, epochs);
            MagnitudePruner.prune(current.paramTable(), MagnitudePruner.thresholds(current.paramTable(), s, perLayer));
            PruningMask mask = PruningMask.ofNonZero(current.paramTable());
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, current, settings, List.of(mask));
            trainer.setLearningRate(rate);
            List<String> shuffled = new ArrayList<>(refs);
            java.util.Collections.shuffle(shuffled, new java.util.Random(settings.seed() * 7 + e));
            trainer.fitEpoch(jsc.parallelize(shuffled, settings.workers()), loader, 10_000 + e);
            current = (MultiLayerNetwork) trainer.network();
            mask.apply(current); // already zero on every worker; this makes the average exact too
            LOG.info("[compress] fine-tuning epoch {}/{}: sparsity {}", e, epochs,
                    Evaluations.round(weightSparsity(current)));
        }
        return current;
    }

    /**
     * A smaller MLP student trained on Spark from the teacher's softened outputs ({@link DistillationLoader}), and the
     * same student trained on the hard labels alone, so the report shows what distillation adds.
     */
    private static List<Map<String, Object>> distill(StageContext ctx, JavaSparkContext jsc, MultiLayerNetwork teacher,
                                                     TrainSettings settings, int epochs, JavaRDD<String> testRefs)
            throws IOException {
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
        TensorSpec spec = train.spec();
        TrainSettings studentSettings = new TrainSettings("mlp", epochs, settings.batchSize(), settings.workers(),
                settings.averagingFrequency(), settings.prefetch(), settings.updater(), settings.learningRate(),
                settings.l2(), 0.0, ctx.config().integer("compress.student-hidden-units"),
                ctx.config().integer("compress.student-hidden-layers"), settings.seed(), settings.dataType(),
                settings.schedule(), settings.rules(), false, "", 1);
        DistillationLoader soft = new DistillationLoader(Models.bytes(teacher), spec.numClasses(),
                ctx.config().number("compress.distill-temperature"), ctx.config().number("compress.distill-alpha"));
        List<Map<String, Object>> out = new ArrayList<>();
        for (boolean distilled : new boolean[] {true, false}) {
            MultiLayerNetwork student = (MultiLayerNetwork) dev.dlpipe.train.ModelFactory.create(studentSettings, spec);
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, student, studentSettings);
            List<String> refs = train.minibatches(studentSettings.batchSize());
            for (int e = 1; e <= epochs; e++) {
                trainer.setLearningRate(studentSettings.schedule().rate(e));
                List<String> shuffled = new ArrayList<>(refs);
                java.util.Collections.shuffle(shuffled, new java.util.Random(settings.seed() * 31 + e));
                trainer.fitEpoch(jsc.parallelize(shuffled, settings.workers()),
                        distilled ? soft : new ParquetMinibatchLoader(spec.numClasses()), e);
            }
            student = (MultiLayerNetwork) trainer.network();
            String file = ctx.out(distilled ? "model-student.zip" : "model-student-hard-labels.zip");
            Models.write(student, file, false);
            Map<String, Object> v = variant(distilled ? "student, distilled" : "student, hard labels only", student,
                    file, accuracy(jsc, student, settings, testRefs));
            v.put("parameters_vs_teacher", Evaluations.round((double) student.numParams() / teacher.numParams()));
            out.add(v);
            LOG.info("[compress] {}: {} parameters ({}x the teacher), test accuracy {}", v.get("variant"),
                    student.numParams(), v.get("parameters_vs_teacher"), v.get("test_accuracy"));
        }
        return out;
    }

    private static Map<String, Object> prunedVariant(String name, MultiLayerNetwork net, String file, Double accuracy) {
        Map<String, Object> v = variant(name, net, file, accuracy);
        v.put("weight_sparsity", Evaluations.round(weightSparsity(net)));
        v.put("sparsity_by_layer", MagnitudePruner.sparsityByLayer(net.paramTable()));
        return v;
    }

    private static Double accuracy(JavaSparkContext jsc, MultiLayerNetwork net, TrainSettings settings,
                                   JavaRDD<String> testRefs) {
        if (testRefs == null) {
            return null;
        }
        DistributedTrainer evaluator = new ParameterAveragingTrainer(jsc, net, settings);
        int classes = net.layerSize(net.getnLayers() - 1);
        Evaluation e = (Evaluation) evaluator.evaluate(testRefs, new ParquetMinibatchLoader(classes),
                new Evaluation(classes))[0];
        return Evaluations.round(e.accuracy());
    }

    private static Map<String, Object> variant(String name, MultiLayerNetwork net, String file, Double accuracy) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("variant", name);
        v.put("parameters", net.numParams());
        v.put("nonzero_parameters", nonZero(net));
        v.put("file", file.substring(file.lastIndexOf('/') + 1));
        v.put("file_bytes", Fs.size(file));
        v.put("test_accuracy", accuracy);
        v.putAll(Latency.measure(net));
        return v;
    }

    static long nonZero(MultiLayerNetwork net) {
        float[] all = net.params().dup('c').data().asFloat();
        long n = 0;
        for (float v : all) {
            if (v != 0f) {
                n++;
            }
        }
        return n;
    }

    static double weightSparsity(MultiLayerNetwork net) {
        long total = 0;
        long zeros = 0;
        for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> e : net.paramTable().entrySet()) {
            if (MagnitudePruner.isWeight(e.getKey())) {
                for (float v : e.getValue().dup('c').data().asFloat()) {
                    total++;
                    if (v == 0f) {
                        zeros++;
                    }
                }
            }
        }
        return total == 0 ? 0 : (double) zeros / total;
    }

    private static String table(List<Map<String, Object>> variants) {
        StringBuilder sb = new StringBuilder("| variant | parameters | non-zero | file | bytes | test accuracy |"
                + " latency 1 row (ms) | latency 256 rows (ms) |\n|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (Map<String, Object> v : variants) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", v.get("variant"),
                    v.get("parameters"), v.get("nonzero_parameters"), v.get("file"), v.get("file_bytes"),
                    v.get("test_accuracy"), v.get("latency_ms_1"), v.get("latency_ms_256")));
        }
        sb.append("\nLatency: DL4J on this JVM's CPU, median of repeated calls after warm-up. The int8 file is"
                + " dequantized to float for DL4J, so its latency is the float model's; ONNX Runtime runs the int8 ONNX"
                + " export with integer kernels.\n");
        return sb.toString();
    }
}
