package dev.dlpipe.ensemble;

import dev.dlpipe.UserError;
import dev.dlpipe.config.Config;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.CarriedFiles;
import dev.dlpipe.core.Counts;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.Splits;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageContext;
import dev.dlpipe.core.StageResult;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.onnx.OnnxRuntimeModel;
import dev.dlpipe.tensor.TensorSpec;
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
 * loss and calibration error. Writes the bagged networks' soft vote as one ONNX graph ({@code ensemble.onnx}), checked
 * in ONNX Runtime against the in-JVM average; the members' models; {@code ensemble.json} and
 * {@code ensemble-report.md}.
 */
public final class EnsembleStage implements Stage {

    private static final Logger LOG = LoggerFactory.getLogger(EnsembleStage.class);
    public static final String ONNX = "ensemble.onnx";
    public static final String EVALUATION = "ensemble.json";
    public static final String REPORT = "ensemble-report.md";

    /** One member or combination: its validation and test probabilities, row-aligned with {@link SplitRows}. */
    private record Scored(String name, String kind, float[][] validation, float[][] test) {
    }

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public void preflight(Config config, List<String> inputs) {
        if (config.integer("ensemble.bagging-members") + config.list("ensemble.mllib").size() < 2) {
            throw new UserError("ensemble.bagging-members + the ensemble.mllib members must make at least 2 members, got "
                    + config.integer("ensemble.bagging-members") + " + " + config.list("ensemble.mllib"));
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
            if (config.integer("ensemble.bagging-members") > 0) {
                ModelKind.of(config.string("train.model")).requireFits(train.spec(), train.dir());
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

        List<Scored> members = new ArrayList<>();
        Map<String, Object> seconds = new LinkedHashMap<>();
        List<Network> nets = List.of();
        if (bagged > 0) {
            long t0 = System.nanoTime();
            double[] weights = "balanced".equals(s.classWeights())
                    ? ClassWeights.balanced(ClassWeights.count(jsc, train, classes, s.workers())) : null;
            nets = BaggedNetworks.train(jsc, s, spec, train, bagged, epochs, weights);
            for (int m = 0; m < nets.size(); m++) {
                Models.write(nets.get(m), ctx.out("member-net-" + (m + 1) + ".zip"));
                members.add(new Scored("net-" + (m + 1), s.model() + ", bootstrap sample " + (m + 1) + ", seed "
                        + BaggedNetworks.seed(s.seed(), m), validation == null ? null
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
                    members.add(new Scored(kind, describe(kind, ms, classes), validationRows == null ? null
                            : MllibMembers.probabilities(model, validationRows, classes),
                            MllibMembers.probabilities(model, testRows, classes)));
                    seconds.put(kind, round((System.nanoTime() - t0) / 1e9));
                    LOG.info("[ensemble] MLlib {} fitted in {} s", kind, seconds.get(kind));
                }
            } finally {
                trainRows.unpersist();
            }
        }

        List<Scored> combinations = new ArrayList<>();
        List<float[][]> testP = members.stream().map(Scored::test).toList();
        List<float[][]> validationP = validation == null ? null : members.stream().map(Scored::validation).toList();
        combinations.add(new Scored("average", "soft voting, equal weights, all members", null,
                ProbabilityScores.weightedAverage(testP, ProbabilityScores.equalWeights(members.size()))));
        combinations.add(new Scored("hard-vote", "majority of the members' top classes", null,
                ProbabilityScores.hardVote(testP)));
        Map<String, Object> notes = new LinkedHashMap<>();
        double[] lossWeights = null;
        if (validation != null) {
            lossWeights = ProbabilityScores.inverseLossWeights(validationP, validation.labels());
            combinations.add(new Scored("weighted", "weights 1/validation log loss, all members", null,
                    ProbabilityScores.weightedAverage(testP, lossWeights)));
            if (c.bool("ensemble.stacking")) {
                Stacking stacking = Stacking.fit(ctx.spark(), validationP, validation.labels(), classes);
                combinations.add(new Scored("stacking", "logistic regression on the members' probabilities, fitted on "
                        + validation.rows() + " validation rows", null, stacking.predict(ctx.spark(), testP)));
            }
        } else {
            notes.put("weighted_and_stacking", "skipped: " + ctx.input(0) + " has no validation split, and their weights"
                    + " are fitted on validation predictions only (split.validation)");
        }
        if (nets.size() >= 2) {
            combinations.add(new Scored("networks-average", "soft voting of the " + nets.size() + " bagged networks"
                    + " (the model in " + ONNX + ")", null, ProbabilityScores.weightedAverage(
                    testP.subList(0, nets.size()), ProbabilityScores.equalWeights(nets.size()))));
        }

        Map<String, Object> exported = exportNetworks(ctx, nets, spec, test, mllib);
        Map<String, Object> evaluation = evaluation(members, combinations, validation, test, lossWeights);
        evaluation.put("seconds", seconds);
        evaluation.put("onnx", exported);
        evaluation.putAll(notes);
        Fs.writeString(ctx.out(EVALUATION), Json.write(evaluation));
        Fs.writeString(ctx.out(REPORT), report(evaluation));
        spec.writeTo(ctx.output());
        CarriedFiles.carry(ctx.input(0), ctx.output());

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("members", members.stream().map(Scored::name).toList());
        metrics.put("test_rows", test.rows());
        metrics.put("best_member", evaluation.get("best_member"));
        metrics.put("best_combination", evaluation.get("best_combination"));
        metrics.put("gain_points", evaluation.get("gain_points"));
        metrics.put("onnx", exported);
        return StageResult.of(Counts.notApplicable(), metrics, "best member " + evaluation.get("best_member")
                + ", best combination " + evaluation.get("best_combination") + " (" + evaluation.get("gain_points")
                + " accuracy points)");
    }

    /** ensemble.onnx: the bagged networks' soft vote as one graph, checked in ONNX Runtime on the test rows. */
    private static Map<String, Object> exportNetworks(StageContext ctx, List<Network> nets, TensorSpec spec,
                                                      SplitRows test, List<String> mllib) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        if (nets.isEmpty()) {
            out.put("file", null);
            out.put("why", "no bagged networks (ensemble.bagging-members 0)");
            return out;
        }
        double[] weights = ProbabilityScores.equalWeights(nets.size());
        byte[] model = OnnxExporter.exportWeightedAverage(nets, weights, spec, OnnxExporter.metadata(spec, false, false),
                BuildInfo.version());
        try (OutputStream o = Fs.create(ctx.out(ONNX))) {
            o.write(model);
        }
        List<float[][]> each = new ArrayList<>();
        for (Network n : nets) {
            each.add(test.probabilities(n));
        }
        float[][] expected = ProbabilityScores.weightedAverage(each, weights);
        double maxDiff = 0;
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(model)) {
            int at = 0;
            for (String ref : test.refs()) {
                org.nd4j.linalg.dataset.DataSet ds = new dev.dlpipe.load.ParquetMinibatchLoader(spec.numClasses()).load(ref);
                float[] x = ds.getFeatures().data().asFloat();
                float[][] got = ort.predict(x, ds.numExamples(), spec.featureSize());
                for (float[] row : got) {
                    for (int k = 0; k < row.length; k++) {
                        maxDiff = Math.max(maxDiff, Math.abs(row[k] - expected[at][k]));
                    }
                    at++;
                }
            }
        }
        if (maxDiff > 1e-4) {
            throw new IllegalStateException(ONNX + " differs from the in-JVM average by " + maxDiff + " on the test rows");
        }
        out.put("file", ONNX);
        out.put("combination", "networks-average");
        out.put("members", nets.size());
        out.put("ort_max_abs_diff_on_test", maxDiff);
        if (!mllib.isEmpty()) {
            out.put("not_in_onnx", mllib.stream().map(k -> k + ": MLlib members are not exported to ONNX yet "
                    + "(ai.onnx.ml TreeEnsembleClassifier / LinearClassifier); they are scored here only").toList());
        }
        return out;
    }

    private static Map<String, Object> evaluation(List<Scored> members, List<Scored> combinations, SplitRows validation,
                                                  SplitRows test, double[] lossWeights) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("test_rows", test.rows());
        out.put("validation_rows", validation == null ? 0 : validation.rows());
        Map<String, Object> m = new LinkedHashMap<>();
        String bestMember = null;
        double bestMemberAccuracy = -1;
        for (int i = 0; i < members.size(); i++) {
            Scored s = members.get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("what", s.kind());
            row.put("test", ProbabilityScores.scores(s.test(), test.labels()));
            if (validation != null) {
                row.put("validation", ProbabilityScores.scores(s.validation(), validation.labels()));
                row.put("weight", round(lossWeights[i]));
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
        for (Scored s : combinations) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("what", s.kind());
            row.put("test", ProbabilityScores.scores(s.test(), test.labels()));
            double a = ProbabilityScores.accuracy(s.test(), test.labels());
            if (a > bestCombinationAccuracy) {
                bestCombinationAccuracy = a;
                bestCombination = s.name();
            }
            cs.put(s.name(), row);
        }
        out.put("combinations", cs);
        out.put("best_member", bestMember);
        out.put("best_combination", bestCombination);
        out.put("gain_points", round(100 * (bestCombinationAccuracy - bestMemberAccuracy)));
        out.put("note", "best member and best combination are picked by test accuracy, for this comparison only; "
                + "weights and stacking are fitted on validation rows");
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String report(Map<String, Object> e) {
        StringBuilder b = new StringBuilder("# Ensemble\n\nOn " + e.get("test_rows") + " test rows (weights and stacking"
                + " fitted on " + e.get("validation_rows") + " validation rows).\n\n| | what | accuracy | log loss | ECE |\n"
                + "|---|---|---:|---:|---:|\n");
        for (String section : List.of("members", "combinations")) {
            for (Map.Entry<String, Object> row : ((Map<String, Object>) e.get(section)).entrySet()) {
                Map<String, Object> r = (Map<String, Object>) row.getValue();
                Map<String, Object> t = (Map<String, Object>) r.get("test");
                b.append("| ").append(row.getKey()).append(" | ").append(r.get("what")).append(" | ")
                        .append(t.get("accuracy")).append(" | ").append(t.get("log_loss")).append(" | ")
                        .append(t.get("ece")).append(" |\n");
            }
        }
        b.append("\nBest member: ").append(e.get("best_member")).append("; best combination: ")
                .append(e.get("best_combination")).append(" (").append(e.get("gain_points"))
                .append(" accuracy points). ").append(e.get("note")).append(".\n\nONNX: ")
                .append(Json.write(e.get("onnx"))).append('\n');
        return b.toString();
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
