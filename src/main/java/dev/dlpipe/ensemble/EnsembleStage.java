package dev.dlpipe.ensemble;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.ReportDocument;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.export.ExportStage;
import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.onnx.OnnxRuntimeModel;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.text.TextModelSetup;
import dev.dlpipe.text.WordEmbeddings;
import dev.dlpipe.train.ClassWeights;
import dev.dlpipe.train.ModelKind;
import dev.dlpipe.train.TrainSettings;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ensembles on a packed dataset: bagged networks ({@link BaggedNetworks}), Spark MLlib members
 * ({@link MllibMembers}), and their combinations (soft voting, weights from validation log loss, hard voting,
 * stacking fitted on validation predictions), each scored on the test split beside every member with accuracy, log
 * loss and calibration error. The output is an export directory: {@code model.onnx} is the combination
 * {@code ensemble.export} names, members and head in one graph ({@link EnsembleOnnx}), checked in ONNX Runtime
 * against the in-JVM ensemble on the test split, with export-manifest.json and the preprocessing, so score and serve
 * take it like any export. Also the networks' zips, {@code ensemble.json} and {@code ensemble-report.md}.
 */
public final class EnsembleStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(EnsembleStage.class);
    public static final String EVALUATION = "ensemble.json";
    public static final String REPORT = "ensemble-report.md";
    /** ORT against the in-JVM ensemble on the test rows: a larger difference fails the stage. */
    static final double ONNX_TOLERANCE = 1e-4;

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public void preflight(Config config, List<String> inputs) {
        int bagged = config.integer("ensemble.bagging-members");
        List<String> mllib = config.list("ensemble.mllib");
        if (bagged + mllib.size() < 2) {
            throw new UserError("ensemble.bagging-members + the ensemble.mllib members must make at least 2 members, got "
                    + bagged + " + " + mllib);
        }
        String export = config.string("ensemble.export");
        if (export.equals("networks-average") && bagged < 1) {
            throw new UserError("ensemble.export=networks-average needs ensemble.bagging-members >= 1");
        }
        if (export.equals("stacking") && !config.bool("ensemble.stacking")) {
            throw new UserError("ensemble.export=stacking needs ensemble.stacking=true");
        }
        if (inputs.get(0) != null && Fs.exists(inputs.get(0))) {
            ShardIndex train = ShardIndex.of(Fs.child(inputs.get(0), Splits.TRAIN));
            if (train.rows() == 0) {
                throw new UserError(inputs.get(0) + ": no training rows (expected tensor shards under " + Splits.TRAIN
                        + "/)");
            }
            if (ShardIndex.of(Fs.child(inputs.get(0), Splits.TEST)).rows() == 0) {
                throw new UserError(inputs.get(0) + ": no test split: the ensemble and its members are compared on it"
                        + " (split.test)");
            }
            boolean validation = ShardIndex.of(Fs.child(inputs.get(0), Splits.VALIDATION)).rows() > 0;
            if (!validation && (export.equals("weighted") || export.equals("stacking"))) {
                throw new UserError("ensemble.export=" + export + " is fitted on validation predictions, and "
                        + inputs.get(0) + " has no validation split (split.validation)");
            }
            if (bagged > 0) {
                ModelKind.of(config.string("train.model")).requireFits(train.spec(), train.dir());
            }
            if (train.spec().tokenIds() && !mllib.isEmpty() && bagged == 0) {
                throw new UserError("ensemble.mllib " + mllib + " on a text model read bag-of-words counts, which the ONNX"
                        + " graph does not build, and ensemble.bagging-members is 0: nothing could be exported");
            }
            if (train.spec().tokenIds() && !mllib.isEmpty() && !List.of("auto", "networks-average").contains(export)) {
                throw new UserError("ensemble.export=" + export + " includes " + mllib + ", MLlib members of a text "
                        + "model, which read bag-of-words counts the ONNX graph does not build; use networks-average");
            }
        }
    }

    @Override
    public StageResult run(StageContext ctx) throws Exception {
        Config c = ctx.config();
        preflight(c, ctx.inputs());
        TrainSettings s = TrainSettings.from(c);
        ShardIndex train = ShardIndex.of(Fs.child(ctx.input(0), Splits.TRAIN));
        ShardIndex validationSplit = ShardIndex.of(Fs.child(ctx.input(0), Splits.VALIDATION));
        TensorSpec spec = train.spec();
        int classes = spec.numClasses();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        SplitRows test = new SplitRows(ShardIndex.of(Fs.child(ctx.input(0), Splits.TEST)), classes);
        SplitRows validation = validationSplit.rows() > 0 ? new SplitRows(validationSplit, classes) : null;
        int bagged = c.integer("ensemble.bagging-members");
        int epochs = c.integer("ensemble.epochs") > 0 ? c.integer("ensemble.epochs") : s.epochs();

        List<Member> members = new ArrayList<>();
        Map<String, Object> seconds = new LinkedHashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        if (bagged > 0) {
            long t0 = System.nanoTime();
            double[] weights = "balanced".equals(s.classWeights())
                    ? ClassWeights.balanced(ClassWeights.count(jsc, train, classes, s.workers())) : null;
            boolean bootstrap = c.bool("ensemble.bootstrap");
            // text networks start from the embeddings train.text.embeddings names, as in train (fitted once for all)
            Dataset<Row> tokens = spec.tokenIds() ? TextModelSetup.trainTokens(ctx.spark(), train, classes, s.workers())
                    : null;
            WordEmbeddings.Table table = tokens == null ? null : TextModelSetup.embeddings(c, tokens, ctx.input(0));
            if (tokens != null) {
                tokens.unpersist();
            }
            List<Network> nets = BaggedNetworks.train(jsc, s, spec, train, bagged, epochs, bootstrap, weights,
                    net -> {
                        if (table != null) {
                            TextModelSetup.initEmbeddings(table, net);
                        }
                    });
            for (int m = 0; m < nets.size(); m++) {
                String zip = "member-net-" + (m + 1) + ".zip";
                Models.write(nets.get(m), ctx.out(zip));
                files.add(ExportStage.file("dl4j-member", zip, ctx.out(zip)));
                members.add(new Member("net-" + (m + 1), s.model() + (bootstrap ? ", bootstrap sample " + (m + 1)
                        : ", all training rows") + ", seed "
                        + BaggedNetworks.seed(s.seed(), m), nets.get(m), validation == null ? null
                        : validation.probabilities(nets.get(m)), test.probabilities(nets.get(m))));
            }
            seconds.put("bagging", round((System.nanoTime() - t0) / 1e9));
        }
        List<String> mllib = c.list("ensemble.mllib");
        if (!mllib.isEmpty()) {
            MllibMembers.Settings ms = new MllibMembers.Settings(c.integer("ensemble.trees"),
                    c.integer("ensemble.max-depth"), c.integer("ensemble.gbt-iterations"), s.seed());
            int partitions = Math.max(2, s.workers());
            Dataset<Row> trainRows = MllibMembers.frame(ctx.spark(), train.minibatches(SplitRows.BATCH), spec, partitions)
                    .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
            Dataset<Row> testRows = MllibMembers.frame(ctx.spark(), test.refs(), spec, partitions);
            Dataset<Row> validationRows = validation == null ? null
                    : MllibMembers.frame(ctx.spark(), validation.refs(), spec, partitions);
            try {
                for (String kind : mllib) {
                    long t0 = System.nanoTime();
                    org.apache.spark.ml.Model<?> model = MllibMembers.fit(kind, trainRows, classes, ms);
                    members.add(new Member(kind, describe(kind, ms, classes), model, validationRows == null ? null
                            : MllibMembers.probabilities(model, validationRows, classes),
                            MllibMembers.probabilities(model, testRows, classes)));
                    seconds.put(kind, round((System.nanoTime() - t0) / 1e9));
                    LOG.info("[ensemble] MLlib {} fitted in {} s", kind, seconds.get(kind));
                }
            } finally {
                trainRows.unpersist();
            }
        }

        List<Combination> combinations = combinations(ctx, members, validation, bagged);
        List<float[][]> testP = members.stream().map(Member::test).toList();
        List<float[][]> combined = combinations.stream().map(k -> k.apply(testP, ctx.spark())).toList();

        Combination exported = chooseExport(c, combinations, members, spec, validation != null);
        float[][] expected = combined.get(combinations.indexOf(exported));
        byte[] onnx = EnsembleOnnx.build(members, exported, spec, OnnxExporter.metadata(spec, false, false),
                BuildInfo.version());
        try (OutputStream o = Fs.create(ctx.out(ExportStage.ONNX))) {
            o.write(onnx);
        }
        double diff = ortDifference(onnx, spec, test, expected);
        if (diff > ONNX_TOLERANCE) {
            throw new IllegalStateException(ExportStage.ONNX + " differs from the in-JVM " + exported.name()
                    + " ensemble by " + diff + " on the test rows");
        }
        files.add(0, ExportStage.file("onnx", ExportStage.ONNX, ctx.out(ExportStage.ONNX)));
        Map<String, Object> onnxInfo = new LinkedHashMap<>();
        onnxInfo.put("file", ExportStage.ONNX);
        onnxInfo.put("combination", exported.name());
        onnxInfo.put("members", exported.members().stream().map(i -> members.get(i).name()).toList());
        onnxInfo.put("ort_max_abs_diff_on_test", diff);
        onnxInfo.put("bytes", onnx.length);

        Map<String, Object> evaluation = evaluation(members, combinations, combined, validation, test);
        evaluation.put("seconds", seconds);
        evaluation.put("onnx", onnxInfo);
        if (validation == null) {
            evaluation.put("weighted_and_stacking", "skipped: " + ctx.input(0) + " has no validation split, and their"
                    + " weights are fitted on validation predictions only (split.validation)");
        }
        Fs.writeString(ctx.out(EVALUATION), Json.write(evaluation));
        Fs.writeString(ctx.out(REPORT), report(evaluation));
        Map<String, Object> serve = new LinkedHashMap<>();
        serve.put("file", ExportStage.ONNX);
        serve.put("single_row", ExportStage.ONNX);
        serve.put("batch_256", ExportStage.ONNX);
        serve.put("why", "the ensemble's one FP32 graph (" + exported.name() + ")");
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("kind", "ensemble");
        network.put("combination", exported.name() + ": " + exported.what());
        network.put("members", onnxInfo.get("members"));
        ExportStage.publish(ctx, ctx.input(0), spec, files, serve, "ensemble of " + members.size() + " members",
                network);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("members", members.stream().map(Member::name).toList());
        metrics.put("test_rows", test.rows());
        metrics.put("best_member", evaluation.get("best_member"));
        metrics.put("best_combination", evaluation.get("best_combination"));
        metrics.put("gain_points", evaluation.get("gain_points"));
        metrics.put("exported", exported.name());
        metrics.put("exported_test_accuracy", ((Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) evaluation.get("combinations"))
                .get(exported.name())).get("test")).get("accuracy"));
        metrics.put("onnx", onnxInfo);
        return StageResult.of(Counts.notApplicable(), metrics, "best member " + evaluation.get("best_member")
                + ", best combination " + evaluation.get("best_combination") + " (" + evaluation.get("gain_points")
                + " accuracy points); model.onnx is " + exported.name() + " (test accuracy "
                + metrics.get("exported_test_accuracy") + ")");
    }

    /** Every combination this run can score: validation-fitted ones only where there is a validation split. */
    private static List<Combination> combinations(StageContext ctx, List<Member> members, SplitRows validation,
                                                  int bagged) {
        List<Integer> all = java.util.stream.IntStream.range(0, members.size()).boxed().toList();
        List<Combination> out = new ArrayList<>();
        out.add(Combination.averaging("average", "soft voting, equal weights, all members", all,
                ProbabilityScores.equalWeights(members.size())));
        out.add(Combination.hardVoting("hard-vote", "majority of the members' top classes", all));
        if (validation != null) {
            List<float[][]> validationP = members.stream().map(Member::validation).toList();
            out.add(Combination.averaging("weighted", "weights 1/validation log loss, all members", all,
                    ProbabilityScores.inverseLossWeights(validationP, validation.labels())));
            if (ctx.config().bool("ensemble.stacking")) {
                out.add(Combination.stacked("stacking", "logistic regression on the members' probabilities, fitted on "
                        + validation.rows() + " validation rows", all,
                        Stacking.fit(ctx.spark(), validationP, validation.labels(), members.get(0).test()[0].length)));
            }
        }
        if (bagged >= 1) {
            List<Integer> nets = java.util.stream.IntStream.range(0, bagged).boxed().toList();
            out.add(Combination.averaging("networks-average", "soft voting of the " + bagged + " bagged networks", nets,
                    ProbabilityScores.equalWeights(bagged)));
        }
        return out;
    }

    /**
     * ensemble.export: auto is weighted where there is a validation split, else average; for a text model with MLlib
     * members (bag-of-words, not built in ONNX) it is the networks' average.
     */
    private static Combination chooseExport(Config c, List<Combination> combinations, List<Member> members,
                                            TensorSpec spec, boolean validation) {
        String name = c.string("ensemble.export");
        if (name.equals("auto")) {
            boolean onlyNetworks = members.stream().anyMatch(m -> EnsembleOnnx.unsupported(m, spec) != null);
            name = onlyNetworks ? "networks-average" : validation ? "weighted" : "average";
        }
        String wanted = name;
        return combinations.stream().filter(k -> k.name().equals(wanted)).findFirst().orElseThrow(() -> new UserError(
                "ensemble.export=" + wanted + " was not built in this run (built: " + combinations.stream()
                        .map(Combination::name).toList() + ")"));
    }

    /** The largest |ONNX Runtime - in-JVM| over the test rows' probabilities. */
    private static double ortDifference(byte[] onnx, TensorSpec spec, SplitRows test, float[][] expected) {
        double max = 0;
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(onnx)) {
            int at = 0;
            for (String ref : test.refs()) {
                org.nd4j.linalg.dataset.DataSet ds = new ParquetMinibatchLoader(spec.numClasses()).load(ref);
                for (float[] row : ort.predict(ds.getFeatures().data().asFloat(), ds.numExamples(), spec.featureSize())) {
                    for (int k = 0; k < row.length; k++) {
                        max = Math.max(max, Math.abs(row[k] - expected[at][k]));
                    }
                    at++;
                }
            }
        }
        return max;
    }

    private static Map<String, Object> evaluation(List<Member> members, List<Combination> combinations,
                                                  List<float[][]> combined, SplitRows validation, SplitRows test) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("test_rows", test.rows());
        out.put("validation_rows", validation == null ? 0 : validation.rows());
        Map<String, Object> m = new LinkedHashMap<>();
        String bestMember = null;
        double bestMemberAccuracy = -1;
        for (Member s : members) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("what", s.what());
            row.put("test", ProbabilityScores.scores(s.test(), test.labels()));
            if (validation != null) {
                row.put("validation", ProbabilityScores.scores(s.validation(), validation.labels()));
            }
            double a = ProbabilityScores.accuracy(s.test(), test.labels());
            if (a > bestMemberAccuracy) {
                bestMemberAccuracy = a;
                bestMember = s.name();
            }
            m.put(s.name(), row);
        }
        out.put("members", m);
        Map<String, Object> cs = new LinkedHashMap<>();
        String bestCombination = null;
        double bestCombinationAccuracy = -1;
        for (int i = 0; i < combinations.size(); i++) {
            Combination k = combinations.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("what", k.what());
            row.put("members", k.members().stream().map(j -> members.get(j).name()).toList());
            if (k.weights() != null) {
                row.put("weights", java.util.Arrays.stream(k.weights()).map(EnsembleStage::round).toArray());
            }
            if (k.stacking() != null) {
                row.put("meta_learner", k.stacking().describe());
            }
            row.put("test", ProbabilityScores.scores(combined.get(i), test.labels()));
            double a = ProbabilityScores.accuracy(combined.get(i), test.labels());
            if (a > bestCombinationAccuracy) {
                bestCombinationAccuracy = a;
                bestCombination = k.name();
            }
            cs.put(k.name(), row);
        }
        out.put("combinations", cs);
        out.put("best_member", bestMember);
        out.put("best_combination", bestCombination);
        out.put("gain_points", round(100 * (bestCombinationAccuracy - bestMemberAccuracy)));
        out.put("note", "best member and best combination are picked by test accuracy, for this comparison only; "
                + "weights and stacking are fitted on validation rows");
        return out;
    }

    /**
     * The comparison as report blocks (members, then combinations, each on the test split), for the stage's own
     * ensemble-report.md and the run report's Ensemble section.
     */
    @SuppressWarnings("unchecked")
    public static void describe(ReportDocument doc, Map<String, Object> e, String linkPrefix) {
        doc.paragraph("On " + e.get("test_rows") + " test rows (weights and stacking fitted on " + e.get("validation_rows")
                + " validation rows).");
        List<List<String>> rows = new ArrayList<>();
        for (String section : List.of("members", "combinations")) {
            for (Map.Entry<String, Object> row : ((Map<String, Object>) e.get(section)).entrySet()) {
                Map<String, Object> r = (Map<String, Object>) row.getValue();
                Map<String, Object> t = (Map<String, Object>) r.get("test");
                rows.add(List.of(section.equals("members") ? "member" : "combination", row.getKey(),
                        String.valueOf(r.get("what")), String.valueOf(t.get("accuracy")), String.valueOf(t.get("log_loss")),
                        String.valueOf(t.get("ece"))));
            }
        }
        doc.table(List.of("", "name", "what", "accuracy:", "log loss:", "ECE:"), rows);
        Map<String, Object> onnx = (Map<String, Object>) e.get("onnx");
        doc.paragraph("Best member: **" + e.get("best_member") + "**; best combination: **" + e.get("best_combination")
                + "** (" + e.get("gain_points") + " accuracy points); " + e.get("note") + ". Exported as one graph, ["
                + linkPrefix + "model.onnx](" + linkPrefix + "model.onnx): **" + onnx.get("combination") + "** of "
                + onnx.get("members") + ", ONNX Runtime within " + onnx.get("ort_max_abs_diff_on_test")
                + " of the in-JVM ensemble on the test rows.");
        if (e.get("weighted_and_stacking") != null) {
            doc.paragraph("Weighted averaging and stacking: " + e.get("weighted_and_stacking") + ".");
        }
    }

    private static String report(Map<String, Object> evaluation) {
        ReportDocument doc = new ReportDocument("Ensemble");
        describe(doc, evaluation, "");
        return doc.markdown();
    }

    private static String describe(String kind, MllibMembers.Settings s, int classes) {
        return switch (kind) {
            case MllibMembers.LR -> "MLlib logistic regression (multinomial, L2 0.001)";
            case MllibMembers.RF -> "MLlib random forest, " + s.trees() + " trees, depth " + s.maxDepth();
            default -> "MLlib GBT, " + s.gbtIterations() + " rounds, depth " + Math.min(5, s.maxDepth())
                    + (classes > 2 ? ", one-vs-rest" : "");
        };
    }

    private static double round(double v) {
        return ProbabilityScores.round(v);
    }
}
