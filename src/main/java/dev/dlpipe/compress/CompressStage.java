package dev.dlpipe.compress;

import dev.dlpipe.UserError;
import dev.dlpipe.model.Int8ModelFile;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.train.DistributedTrainer;
import dev.dlpipe.train.EpochLoop;
import dev.dlpipe.train.Evaluations;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.train.ParameterAveragingTrainer;
import dev.dlpipe.train.TrainSettings;
import dev.dlpipe.train.TrainStage;
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
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Compresses the trained model (any the trainer makes: mlp, lenet, or the resnet graph): magnitude pruning to
 * {@code compress.prune-sparsity} with fine-tuning on Spark, an FP16 copy, int8 per-channel weights with calibrated
 * activation ranges, and optionally a distilled student. Every variant is evaluated on the test split on the
 * executors and reported with its parameter count, non-zero parameters, file size and latency
 * ({@code compression-report.json/.md}). Inputs: the train output (model.zip) and the pack output.
 */
public final class CompressStage implements Stage {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CompressStage.class);
    public static final String PRUNED = "model-pruned.zip";
    public static final String INT8 = "model-int8.dlq";
    public static final String FP16 = "model-fp16.zip";
    /** The structurally pruned (thinned) network; when present, export publishes it. */
    public static final String THINNED = "model-thinned.zip";

    @Override
    public String name() {
        return "compress";
    }


    /** An ONNX teacher for distillation (compress.distill-teacher) must exist and fit the packed data. */
    @Override
    public void preflight(dev.dlpipe.config.Config config, List<String> inputs) {
        String teacher = config.string("compress.distill-teacher");
        if (teacher.isEmpty()) {
            return;
        }
        if (config.integer("compress.distill-epochs") == 0) {
            throw new UserError("compress.distill-teacher is set, but compress.distill-epochs is 0: nothing is distilled");
        }
        if (!Fs.exists(Fs.child(teacher, dev.dlpipe.model.ExportFiles.MANIFEST))
                || !Fs.exists(Fs.child(teacher, dev.dlpipe.model.ExportFiles.ONNX))) {
            throw new UserError("compress.distill-teacher: " + teacher + " has no " + dev.dlpipe.model.ExportFiles.MANIFEST
                    + " and " + dev.dlpipe.model.ExportFiles.ONNX + " (expected an export or ensemble output)");
        }
        if (inputs.size() > 1 && inputs.get(1) != null && Fs.exists(Fs.child(inputs.get(1), Splits.TRAIN))) {
            TensorSpec taught = TensorSpec.readFrom(teacher);
            TensorSpec data = ShardIndex.of(Fs.child(inputs.get(1), Splits.TRAIN)).spec();
            if (taught.featureSize() != data.featureSize() || taught.numClasses() != data.numClasses()) {
                throw new UserError("compress.distill-teacher: " + teacher + " takes " + taught.featureSize()
                        + " values and gives " + taught.numClasses() + " classes; " + inputs.get(1) + " has "
                        + data.featureSize() + " and " + data.numClasses());
            }
        }
    }

    @Override
    public StageResult run(StageContext ctx) throws IOException {
        preflight(ctx.config(), ctx.inputs());
        double sparsity = ctx.config().number("compress.prune-sparsity");
        boolean int8 = "int8".equals(ctx.config().string("compress.quantize"));
        Network original = Models.read(Fs.child(ctx.input(0), TrainStage.MODEL));
        TensorSpec spec = TensorSpec.readFrom(ctx.input(0));
        ShardIndex test = ShardIndex.of(Fs.child(ctx.input(1), Splits.TEST));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        TrainSettings settings = TrainSettings.from(ctx.config());
        JavaRDD<String> testRefs = test.rows() == 0 ? null : jsc.parallelize(test.minibatches(TrainStage.EVAL_BATCH), settings.workers());

        List<Variant> variants = new ArrayList<>();
        String fp32File = ctx.out("model-fp32.zip");
        Models.write(original, fp32File);
        variants.add(variant(Variant.Kind.FP32, "fp32", original, fp32File, accuracy(jsc, original, settings, testRefs), spec,
                OnnxForm.FP32));

        boolean perLayer = "layer".equals(ctx.config().string("compress.prune-scope"));
        int finetuneEpochs = ctx.config().integer("compress.finetune-epochs");
        Network oneShot = original.copy();
        Map<String, Double> thresholds = MagnitudePruner.thresholds(oneShot.paramTable(), sparsity, perLayer);
        MagnitudePruner.prune(oneShot.paramTable(), thresholds);
        Network pruned = oneShot;
        if (finetuneEpochs > 0) {
            String oneShotFile = ctx.out("model-pruned-oneshot.zip");
            Models.write(oneShot, oneShotFile);
            variants.add(prunedVariant(Variant.Kind.PRUNED_ONE_SHOT, "pruned, one-shot", oneShot, oneShotFile,
                    accuracy(jsc, oneShot, settings, testRefs), spec, null));
            pruned = fineTune(ctx, jsc, original.copy(), settings, sparsity, perLayer, finetuneEpochs);
        }
        Models.write(pruned, ctx.out(PRUNED));
        variants.add(prunedVariant(Variant.Kind.PRUNED, finetuneEpochs > 0 ? "pruned, fine-tuned " + finetuneEpochs + " epochs" : "pruned",
                pruned, ctx.out(PRUNED), accuracy(jsc, pruned, settings, testRefs), spec, OnnxForm.FP32));

        double structured = ctx.config().number("compress.structured-sparsity");
        // what export publishes, and what fp16 and int8 are made from
        Variant.Kind publishedKind = Variant.Kind.PRUNED;
        Network published = pruned;
        if (structured > 0) {
            // whole neurons out: a smaller dense network, the one export publishes (its point is speed)
            Network thinned = thinGradually(ctx, jsc, original.copy(), settings, structured, finetuneEpochs);
            Models.write(thinned, ctx.out(THINNED));
            Variant v = variant(Variant.Kind.THINNED, "thinned (" + Math.round(structured * 100) + "% of hidden neurons"
                    + " removed)" + (finetuneEpochs > 0 ? ", fine-tuned " + finetuneEpochs + " epochs" : ""), thinned,
                    ctx.out(THINNED), accuracy(jsc, thinned, settings, testRefs), spec, OnnxForm.FP32);
            v.report().put("hidden_widths", NeuronThinning.hiddenWidths(thinned));
            variants.add(v);
            publishedKind = Variant.Kind.THINNED;
            published = thinned;
        }

        if (ctx.config().bool("compress.fp16")) {
            // the lighter option: every parameter in half precision (a DL4J zip), no calibration needed
            Network half = published.withDataType(org.nd4j.linalg.api.buffer.DataType.HALF);
            Models.write(half, ctx.out(FP16));
            variants.add(variant(Variant.Kind.FP16, published(publishedKind) + "+fp16", half, ctx.out(FP16), accuracy(jsc, half, settings, testRefs), spec,
                    null));
        }
        if (int8) {
            try (OutputStream out = Fs.create(ctx.out(INT8))) {
                Int8ModelFile.write(published, out);
            }
            Network dequantized;
            try (InputStream in = Fs.open(ctx.out(INT8))) {
                dequantized = Int8ModelFile.read(in, ctx.out(INT8));
            }
            // activation ranges for full int8 (export's onnx-int8), from a sample of the training split
            ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
            int rows = (int) Math.min(train.rows(), ctx.config().integer("compress.calibration-rows"));
            Map<String, Float> ranges = Map.of();
            if (rows > 0) {
                // the route training reads by: minibatch references and the shard loader, in a seeded order
                List<String> refs = EpochLoop.order(train.minibatches(rows), settings.seed(),
                        EpochLoop.Purpose.CALIBRATE, 1);
                org.nd4j.linalg.api.ndarray.INDArray sample = new ParquetMinibatchLoader(spec.numClasses())
                        .load(refs.get(0)).getFeatures();
                ranges = ActivationCalibration.inputRanges(published, sample);
                ActivationCalibration.write(ctx.out(ActivationCalibration.FILE), ranges, (int) sample.rows());
            }
            // DL4J runs the int8 file dequantized; the ONNX form is what export makes of the published model
            variants.add(variant(Variant.Kind.INT8, published(publishedKind) + "+int8", dequantized, ctx.out(INT8),
                    accuracy(jsc, dequantized, settings, testRefs), spec, new OnnxForm(published, true, ranges)));
        }
        int distillEpochs = ctx.config().integer("compress.distill-epochs");
        if (distillEpochs > 0) {
            variants.addAll(distill(ctx, jsc, original, settings, distillEpochs, testRefs, spec));
        }
        spec.writeTo(ctx.output());
        dev.dlpipe.core.CarriedFiles.carry(ctx.input(0), ctx.output());

        // which ONNX file export should name for serving, from the latencies just measured on this machine
        Map<String, Object> fp32Row = Variant.of(variants, publishedKind).report();
        Map<String, Object> int8Row = int8 ? Variant.of(variants, Variant.Kind.INT8).report() : null;
        ServeChoice serve = int8 ? ServeChoice.of(fp32Row, int8Row)
                : new ServeChoice("fp32", "fp32", "fp32", "no int8 variant (compress.quantize is not int8)");
        // the same with one intra-op thread per call, which is what serve's replicas and score's tasks get
        ServeChoice oneThread = int8 ? ServeChoice.withOneThread(fp32Row, int8Row) : null;
        Map<String, Object> serveSection = serve.toMap();
        if (oneThread != null) {
            serveSection.put(ServeChoice.ONE_THREAD, oneThread.regimes());
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("cpu", dev.dlpipe.core.CpuInfo.describe());
        report.put("serve", serveSection);
        report.put("prune_sparsity_target", sparsity);
        report.put("prune_scope", perLayer ? "layer" : "global");
        report.put("finetune_epochs", finetuneEpochs);
        List<Map<String, Object>> reported = variants.stream().map(Variant::report).toList();
        report.put("variants", reported);
        Fs.writeString(ctx.out("compression-report.json"), Json.write(report));
        Fs.writeString(ctx.out("compression-report.md"), table(reported) + serveParagraph(serve, oneThread,
                dev.dlpipe.core.CpuInfo.describe()));

        Map<String, Object> metrics = new LinkedHashMap<>();
        Map<String, Object> first = Variant.of(variants, Variant.Kind.FP32).report();
        // the variant export publishes: int8 when quantizing, else the pruned or thinned model (students: reported only)
        Map<String, Object> last = (int8 ? Variant.of(variants, Variant.Kind.INT8)
                : Variant.of(variants, publishedKind)).report();
        long fp32Bytes = ((Number) first.get("file_bytes")).longValue();
        long compressedBytes = ((Number) last.get("file_bytes")).longValue();
        double ratio = Evaluations.round((double) fp32Bytes / compressedBytes);
        metrics.put("fp32_bytes", fp32Bytes);
        metrics.put("compressed_bytes", compressedBytes);
        metrics.put("compressed_variant", last.get("variant"));
        metrics.put("size_ratio", ratio);
        metrics.put("fp32_test_accuracy", first.get("test_accuracy"));
        metrics.put("compressed_test_accuracy", last.get("test_accuracy"));
        metrics.put("serve_variant", serve.serve());
        metrics.put("serve_why", serve.why());
        return StageResult.of(Counts.notApplicable(), metrics, fp32Bytes + " -> " + compressedBytes + " bytes (" + ratio
                + "x, " + last.get("variant") + "), test acc " + first.get("test_accuracy") + " -> "
                + last.get("test_accuracy"));
    }

    /**
     * Gradual pruning on Spark: each epoch raises sparsity along the cubic ramp, prunes, then fine-tunes one epoch on
     * the training split with the same parameter-averaging trainer while a {@link PruningMask} hook keeps the
     * pruned weights at zero after every update on every executor.
     */
    private static Network fineTune(StageContext ctx, JavaSparkContext jsc, Network net,
                                              TrainSettings settings, double target, boolean perLayer, int epochs) {
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
        List<String> refs = train.minibatches(settings.batchSize());
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(train.spec().numClasses());
        double rate = ctx.config().number("compress.finetune-learning-rate");
        ShardIndex validation = ShardIndex.of(Fs.child(ctx.input(1), Splits.VALIDATION));
        JavaRDD<String> valRefs = validation.rows() == 0 ? null
                : jsc.parallelize(validation.minibatches(TrainStage.EVAL_BATCH), settings.workers());
        Network current = net;
        long start = System.nanoTime();
        for (int e = 1; e <= epochs; e++) {
            double s = MagnitudePruner.gradualSparsity(target, e, epochs);
            MagnitudePruner.prune(current.paramTable(), MagnitudePruner.thresholds(current.paramTable(), s, perLayer));
            PruningMask mask = PruningMask.ofNonZero(current.paramTable());
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, current.model(), settings, List.of(mask));
            EpochLoop.fit(trainer, jsc, refs, loader, settings, EpochLoop.Purpose.FINE_TUNE, e, rate);
            current = new Network(trainer.network());
            mask.apply(current.model()); // already zero on every worker; this makes the average exact too
            String accuracy = valRefs == null ? "no validation split" : "val accuracy " + Evaluations.round(
                    ((org.nd4j.evaluation.classification.Evaluation) trainer.evaluate(valRefs, loader,
                            new org.nd4j.evaluation.classification.Evaluation(train.spec().numClasses()))[0]).accuracy());
            LOG.info("[compress] fine-tuning epoch {}/{}: sparsity {}, {}, ETA {}", e, epochs,
                    Evaluations.round(MagnitudePruner.weightSparsity(current.paramTable())), accuracy,
                    dev.dlpipe.core.Eta.of(e, epochs, start));
        }
        return current;
    }

    private static String published(Variant.Kind kind) {
        return kind == Variant.Kind.THINNED ? "thinned" : "pruned";
    }

    /**
     * Structured pruning on Spark: each epoch removes neurons along the same cubic ramp as magnitude pruning (so the
     * network adapts between cuts), then fine-tunes one epoch with the parameter-averaging trainer. Without
     * fine-tuning epochs it is one cut.
     */
    private static Network thinGradually(StageContext ctx, JavaSparkContext jsc, Network net, TrainSettings settings,
                                         double target, int epochs) {
        if (epochs == 0) {
            return NeuronThinning.thin(net, target);
        }
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
        List<String> refs = train.minibatches(settings.batchSize());
        ParquetMinibatchLoader loader = new ParquetMinibatchLoader(train.spec().numClasses());
        double rate = ctx.config().number("compress.finetune-learning-rate");
        List<Long> widths = NeuronThinning.hiddenWidths(net);
        Network current = net;
        long start = System.nanoTime();
        for (int e = 1; e <= epochs; e++) {
            // the fraction of the original widths gone after this epoch, as a fraction of what is left now
            double goal = MagnitudePruner.gradualSparsity(target, e, epochs);
            double before = 1 - (double) NeuronThinning.hiddenWidths(current).get(0) / widths.get(0);
            current = NeuronThinning.thin(current, before >= 1 ? 0 : Math.max(0, (goal - before) / (1 - before)));
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, current.model(), settings);
            EpochLoop.fit(trainer, jsc, refs, loader, settings, EpochLoop.Purpose.FINE_TUNE, e, rate);
            current = new Network(trainer.network());
            LOG.info("[compress] thinning epoch {}/{}: hidden widths {} (of {}), ETA {}", e, epochs,
                    NeuronThinning.hiddenWidths(current), widths, dev.dlpipe.core.Eta.of(e, epochs, start));
        }
        return current;
    }

    /**
     * A smaller MLP student trained on Spark from the teacher's softened outputs ({@link DistillationLoader}), and the
     * same student trained on the hard labels alone, so the report shows what distillation adds.
     */
    private static List<Variant> distill(StageContext ctx, JavaSparkContext jsc, Network teacher,
                                                     TrainSettings settings, int epochs, JavaRDD<String> testRefs,
                                                     TensorSpec spec)
            throws IOException {
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(1), Splits.TRAIN));
        TrainSettings studentSettings = settings.student(epochs, ctx.config().integer("compress.student-hidden-units"),
                ctx.config().integer("compress.student-hidden-layers"), spec.tokenIds());
        long studentParams = dev.dlpipe.train.ModelFactory.create(studentSettings, spec).numParams();
        if (studentParams >= teacher.numParams()) {
            // legitimate for a CNN teacher (an MLP student needs far fewer operations per row), but not a smaller model
            LOG.warn("[compress] the student ({} parameters) is not smaller than the teacher ({}); lower"
                    + " compress.student-hidden-units / student-hidden-layers for a smaller model", studentParams,
                    teacher.numParams());
        }
        String onnxTeacher = ctx.config().string("compress.distill-teacher");
        double temperature = ctx.config().number("compress.distill-temperature");
        double alpha = ctx.config().number("compress.distill-alpha");
        DistillationLoader soft = onnxTeacher.isEmpty()
                ? new DistillationLoader(Models.compact(teacher), spec.numClasses(), temperature, alpha)
                : DistillationLoader.onnx(Fs.readBytes(dev.dlpipe.model.ExportFiles.verified(onnxTeacher,
                dev.dlpipe.model.ExportFiles.ONNX)), spec.numClasses(), temperature, alpha);
        Map<String, Object> taughtBy = teacherDescription(onnxTeacher);
        List<Variant> out = new ArrayList<>();
        for (boolean distilled : new boolean[] {true, false}) {
            org.deeplearning4j.nn.api.Model fresh = dev.dlpipe.train.ModelFactory.create(studentSettings, spec);
            if (spec.tokenIds()) {
                // a text student starts from the teacher's token table (same vocabulary and size): the rows were
                // learned on the whole training split, and the student has fewer epochs to relearn them
                org.nd4j.linalg.api.ndarray.INDArray table = dev.dlpipe.text.WordEmbeddings.embeddingTable(fresh);
                org.nd4j.linalg.api.ndarray.INDArray taught = dev.dlpipe.text.WordEmbeddings.embeddingTable(
                        teacher.multiLayer());
                if (java.util.Arrays.equals(table.shape(), taught.shape())) {
                    table.assign(taught);
                }
            }
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, fresh, studentSettings);
            List<String> refs = train.minibatches(studentSettings.batchSize());
            long start = System.nanoTime();
            for (int e = 1; e <= epochs; e++) {
                EpochLoop.fit(trainer, jsc, refs, distilled ? soft : new ParquetMinibatchLoader(spec.numClasses()),
                        studentSettings, EpochLoop.Purpose.DISTILL, e, studentSettings.schedule().rate(e));
                LOG.info("[compress] student ({}) epoch {}/{}, ETA {}", distilled ? "distilled" : "hard labels", e,
                        epochs, dev.dlpipe.core.Eta.of(e, epochs, start));
            }
            Network student = new Network(trainer.network());
            String file = ctx.out(distilled ? "model-student.zip" : "model-student-hard-labels.zip");
            Models.write(student, file);
            Variant variant = variant(distilled ? Variant.Kind.STUDENT_DISTILLED : Variant.Kind.STUDENT_HARD_LABELS,
                    distilled ? "student, distilled" : "student, hard labels only", student,
                    file, accuracy(jsc, student, settings, testRefs), spec, OnnxForm.FP32);
            Map<String, Object> v = variant.report();
            v.put("parameters_vs_teacher", Evaluations.round((double) student.numParams() / teacher.numParams()));
            if (distilled) {
                v.put("teacher", taughtBy);
            }
            out.add(variant);
            LOG.info("[compress] {}: {} parameters ({}x the teacher), test accuracy {}", v.get("variant"),
                    student.numParams(), v.get("parameters_vs_teacher"), v.get("test_accuracy"));
        }
        return out;
    }

    /** The distillation teacher, for the report: the compressed model, or an export (ensemble) directory's graph. */
    private static Map<String, Object> teacherDescription(String onnxTeacher) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (onnxTeacher.isEmpty()) {
            m.put("model", "the model being compressed");
            return m;
        }
        m.put("model", Fs.child(onnxTeacher, dev.dlpipe.model.ExportFiles.ONNX) + " in ONNX Runtime");
        Object network = Json.readMap(Fs.readString(Fs.child(onnxTeacher, dev.dlpipe.model.ExportFiles.MANIFEST)))
                .get("network");
        m.put("network", network);
        String stage = Fs.child(onnxTeacher, dev.dlpipe.core.StageRunner.MANIFEST);
        if (Fs.exists(stage) && Json.readMap(Fs.readString(stage)).get("metrics") instanceof Map<?, ?> metrics) {
            Object accuracy = metrics.get("exported_test_accuracy");
            m.put("test_accuracy", accuracy);
            // parameters_vs_teacher compares with the compressed network, not with the ensemble
        }
        return m;
    }

    private static Variant prunedVariant(Variant.Kind kind, String name, Network net, String file, Double accuracy,
                                         TensorSpec spec, OnnxForm onnx) {
        Variant variant = variant(kind, name, net, file, accuracy, spec, onnx);
        Map<String, Object> v = variant.report();
        v.put("weight_sparsity", Evaluations.round(MagnitudePruner.weightSparsity(net.paramTable())));
        v.put("sparsity_by_layer", MagnitudePruner.sparsityByLayer(net.paramTable()));
        return variant;
    }

    private static Double accuracy(JavaSparkContext jsc, Network net, TrainSettings settings,
                                   JavaRDD<String> testRefs) {
        if (testRefs == null) {
            return null;
        }
        DistributedTrainer evaluator = new ParameterAveragingTrainer(jsc, net.model(), settings);
        int classes = net.numClasses();
        Evaluation e = (Evaluation) evaluator.evaluate(testRefs, new ParquetMinibatchLoader(classes),
                new Evaluation(classes))[0];
        return Evaluations.round(e.accuracy());
    }

    /**
     * One compressed form of the model, picked by its kind (export publishes INT8 when quantizing, else PRUNED),
     * with its row in compression-report.json: the name, file, sizes, accuracy and latencies people read.
     */
    record Variant(Kind kind, Map<String, Object> report) {
        enum Kind { FP32, PRUNED_ONE_SHOT, PRUNED, THINNED, FP16, INT8, STUDENT_DISTILLED, STUDENT_HARD_LABELS }

        static Variant of(List<Variant> variants, Kind kind) {
            return variants.stream().filter(v -> v.kind() == kind).findFirst().orElseThrow(
                    () -> new IllegalStateException("no " + kind + " variant among " + variants.stream()
                            .map(Variant::kind).toList()));
        }
    }

    /**
     * How a variant deploys as ONNX: the variant's own network in FP32, or {@code source} exported as int8 with
     * calibrated activation ranges (none: weights only).
     */
    private record OnnxForm(Network source, boolean int8, Map<String, Float> ranges) {
        static final OnnxForm FP32 = new OnnxForm(null, false, Map.of());
    }

    /** {@code onnx}: also export the variant to ONNX and time it in ONNX Runtime; null for none. */
    private static Variant variant(Variant.Kind kind, String name, Network net, String file, Double accuracy,
                                   TensorSpec spec, OnnxForm onnx) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("variant", name);
        v.put("parameters", net.numParams());
        v.put("nonzero_parameters", MagnitudePruner.nonZero(net.paramTable()));
        v.put("file", file.substring(file.lastIndexOf('/') + 1));
        v.put("file_bytes", Fs.size(file));
        v.put("test_accuracy", accuracy);
        v.put("dense_macs_per_row", NeuronThinning.denseMacsPerRow(net));
        v.putAll(Latency.dl4j(net, spec.featureSize()));
        if (onnx != null) {
            byte[] model = OnnxExporter.export(onnx.source() == null ? net : onnx.source(), spec, onnx.int8(),
                    onnx.ranges(), OnnxExporter.metadata(spec, onnx.int8(), !onnx.ranges().isEmpty()),
                    BuildInfo.version());
            v.put("onnx_bytes", model.length);
            v.putAll(Latency.onnxRuntime(model, spec.featureSize()));
        }
        return new Variant(kind, v);
    }

    private static String table(List<Map<String, Object>> variants) {
        StringBuilder sb = new StringBuilder("| variant | parameters | non-zero | MACs per row | file | bytes |"
                + " test accuracy | DL4J ms, 1 row | DL4J ms, 256 rows | ONNX bytes | ONNX Runtime ms, 1 row |"
                + " ONNX Runtime ms, 256 rows |\n|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Map<String, Object> v : variants) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    v.get("variant"), v.get("parameters"), v.get("nonzero_parameters"),
                    cell(v.get("dense_macs_per_row")), v.get("file"),
                    v.get("file_bytes"), v.get("test_accuracy"), v.get("latency_ms_1"), v.get("latency_ms_256"),
                    cell(v.get("onnx_bytes")), cell(v.get("onnxruntime_latency_ms_1")),
                    cell(v.get("onnxruntime_latency_ms_256"))));
        }
        sb.append("\nLatency: this JVM's CPU, median of repeated calls after warm-up. DL4J runs the int8 file dequantized"
                + " to float, so its DL4J latency is the float model's; the ONNX columns time the variant exported as"
                + " export would write it: the int8 one with QDQ weights and calibrated activations, whose dense layers"
                + " ONNX Runtime runs as integer QGemm (convolutions stay float there). The fp16 and one-shot variants"
                + " have no ONNX form here. MACs per row: the multiply-adds of the dense layers as dense kernels run"
                + " them, so magnitude pruning's zeros still count; only thinning (structured pruning) lowers them.\n");
        return sb.toString();
    }

    private static String serveParagraph(ServeChoice serve, ServeChoice oneThread, Map<String, Object> cpu) {
        String perThread = oneThread == null ? "" : String.format(Locale.ROOT, " With one intra-op thread per call"
                        + " (serve with as many replicas as cores): one row %s, batches of %d %s. %s.",
                oneThread.singleRow(), Latency.BATCH, oneThread.batch(), oneThread.why());
        return String.format(Locale.ROOT, "%nServe: **%s** (one row at a time: %s; batches of %d: %s). %s.%s Measured"
                        + " on %s, %s cores, flags %s.%n", serve.serve(), serve.singleRow(), Latency.BATCH, serve.batch(),
                serve.why(), perThread, cpu.get("model"), cpu.get("cores"), cpu.get("flags"));
    }

    private static Object cell(Object value) {
        return value == null ? "–" : value;
    }
}
