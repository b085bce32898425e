package dev.dlpipe.ensemble;

import dev.dlpipe.UserError;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.MllibOnnx;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.onnx.OnnxGraph;
import dev.dlpipe.onnx.OnnxGraph.Attr;
import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link Combination} of members as one ONNX graph with the export's input and output: each member's nodes
 * (networks through {@link OnnxExporter#lowerInto}, MLlib models through {@link MllibOnnx}) read the same input,
 * then the combination: weighted Sum, hard voting (ArgMax, OneHot, mean) or the stacking head.
 */
final class EnsembleOnnx {

    private EnsembleOnnx() {
    }

    /** Why a member cannot be in the ONNX graph, or null when it can. */
    static String unsupported(Member m, TensorSpec spec) {
        if (!m.isNetwork() && spec.tokenIds()) {
            return m.name() + ": an MLlib member of a text model reads bag-of-words counts, which the ONNX graph does not"
                    + " build from token ids";
        }
        return null;
    }

    static byte[] build(List<Member> members, Combination c, TensorSpec spec, Map<String, String> metadata,
                        String version) {
        OnnxGraph g = new OnnxGraph();
        String input = spec.tokenIds() ? OnnxExporter.TOKEN_INPUT : OnnxExporter.INPUT;
        g.input(input, spec.tokenIds() ? OnnxGraph.INT64 : OnnxGraph.FLOAT, -1, spec.featureSize());
        int classes = spec.numClasses();
        List<String> probabilities = new ArrayList<>();
        for (int i : c.members()) {
            Member m = members.get(i);
            String why = unsupported(m, spec);
            if (why != null) {
                throw new UserError("ensemble.export=" + c.name() + ": " + why);
            }
            String prefix = "m" + i + "_" + m.name().replace('-', '_');
            Object model = m.model();
            if (model instanceof Network net) {
                probabilities.add(OnnxExporter.lowerInto(g, net, input, spec.fromImages(), prefix));
            } else if (model instanceof org.apache.spark.ml.classification.LogisticRegressionModel lr) {
                probabilities.add(MllibOnnx.logisticRegression(g, input, lr, classes, prefix));
            } else if (model instanceof org.apache.spark.ml.classification.RandomForestClassificationModel rf) {
                probabilities.add(MllibOnnx.randomForest(g, input, rf, classes, prefix));
            } else {
                probabilities.add(MllibOnnx.gbt(g, input, model, classes, prefix));
            }
        }
        String out;
        if (c.stacking() != null) {
            out = MllibOnnx.stacking(g, probabilities, c.stacking().model(), classes, "stacking");
        } else if (c.hardVote()) {
            String depth = g.int64s("vote_depth", new long[] {1}, new long[] {classes});
            String onOff = g.floats("vote_values", new long[] {2}, new float[] {0f, 1f / probabilities.size()});
            List<String> votes = new ArrayList<>();
            for (String p : probabilities) {
                String top = g.node("ArgMax", List.of(p), g.name("vote_top"), Attr.i("axis", 1), Attr.i("keepdims", 0));
                votes.add(g.node("OneHot", List.of(top, depth, onOff), g.name("vote"), Attr.i("axis", -1)));
            }
            out = votes.size() == 1 ? votes.get(0) : g.node("Sum", votes, g.name("votes"));
        } else {
            List<String> weighted = new ArrayList<>();
            for (int k = 0; k < probabilities.size(); k++) {
                String w = g.floats("weight_" + k, new long[0], new float[] {(float) c.weights()[k]});
                weighted.add(g.node("Mul", List.of(probabilities.get(k), w), g.name("weighted")));
            }
            out = weighted.size() == 1 ? weighted.get(0) : g.node("Sum", weighted, g.name("average"));
        }
        g.node("Identity", List.of(out), OnnxExporter.OUTPUT);
        g.output(OnnxExporter.OUTPUT, OnnxGraph.FLOAT, -1, classes);
        metadata.forEach(g::metadata);
        g.metadata("dlpipe.ensemble", c.name() + ": " + c.what());
        return g.toModel("dlpipe-ensemble", version);
    }
}
