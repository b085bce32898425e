package dev.dlpipe.onnx;

import dev.dlpipe.UserError;
import dev.dlpipe.onnx.OnnxGraph.Attr;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.classification.ClassificationModel;
import org.apache.spark.ml.classification.DecisionTreeClassificationModel;
import org.apache.spark.ml.classification.GBTClassificationModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.classification.OneVsRestModel;
import org.apache.spark.ml.classification.RandomForestClassificationModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.regression.DecisionTreeRegressionModel;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;

/**
 * Spark MLlib classifiers as ONNX nodes on a float input [N, features], each ending in class probabilities
 * [N, classes] computed as MLlib computes them: multinomial logistic regression (Gemm, Softmax); random forest
 * (ai.onnx.ml TreeEnsembleClassifier with each leaf's class distribution, normalized as MLlib averages its trees);
 * gradient-boosted trees (TreeEnsembleRegressor summing tree weight x leaf value into the margin F, then
 * 1 / (1 + e^(-2F)); one-vs-rest: one margin per class, normalized). Splits are MLlib's "feature <= threshold goes
 * left", i.e. BRANCH_LEQ with the left child as the true branch. A categorical split is refused by name (the
 * ensemble's vectors carry no categorical metadata, so MLlib makes none).
 */
public final class MllibOnnx {

    /** A padded class (the model never saw it) gets this logit: probability 0 after Softmax, as MLlib gives none. */
    private static final float ABSENT_CLASS_LOGIT = -1e9f;

    private MllibOnnx() {
    }

    /** softmax(x W^T + b) with MLlib's coefficients; classes the model lacks get probability 0. */
    public static String logisticRegression(OnnxGraph g, String x, LogisticRegressionModel m, int classes,
                                            String prefix) {
        return softmaxOfLinear(g, x, m.coefficientMatrix(), m.interceptVector().toArray(), classes, prefix);
    }

    static String softmaxOfLinear(OnnxGraph g, String x, Matrix coefficients, double[] intercepts, int classes,
                                  String prefix) {
        int features = coefficients.numCols();
        float[] w = new float[classes * features];
        float[] b = new float[classes];
        for (int c = 0; c < classes; c++) {
            if (c >= coefficients.numRows()) {
                b[c] = ABSENT_CLASS_LOGIT;
                continue;
            }
            for (int f = 0; f < features; f++) {
                w[c * features + f] = (float) coefficients.apply(c, f);
            }
            b[c] = (float) intercepts[c];
        }
        String logits = g.node("Gemm", List.of(x, g.floats(prefix + "_W", new long[] {classes, features}, w),
                g.floats(prefix + "_b", new long[] {classes}, b)), g.name(prefix + "_logits"), Attr.i("transB", 1));
        return g.node("Softmax", List.of(logits), g.name(prefix + "_softmax"), Attr.i("axis", 1));
    }

    /** MLlib's forest probability: the mean over trees of each leaf's normalized class counts. */
    public static String randomForest(OnnxGraph g, String x, RandomForestClassificationModel m, int classes,
                                      String prefix) {
        Trees t = new Trees();
        DecisionTreeClassificationModel[] trees = m.trees();
        for (int i = 0; i < trees.length; i++) {
            t.add(i, trees[i].rootNode(), (leaf, tree, node) -> {
                double[] counts = leaf.impurityStats().stats();
                double total = 0;
                for (double v : counts) {
                    total += v;
                }
                for (int c = 0; c < classes; c++) { // every class at every leaf: ORT's two-class shortcut stays off
                    t.leaf(tree, node, c, total == 0 || c >= counts.length ? 0f : (float) (counts[c] / total));
                }
            }, prefix);
        }
        long[] labels = new long[classes];
        for (int c = 0; c < classes; c++) {
            labels[c] = c;
        }
        List<String> out = g.node(OnnxGraph.ML, "TreeEnsembleClassifier", List.of(x),
                List.of(g.name(prefix + "_label"), g.name(prefix + "_votes")), t.attrs("class",
                        Attr.ints("classlabels_int64s", labels), Attr.s("post_transform", "NONE")));
        return normalizeRows(g, out.get(1), prefix);
    }

    /** GBT (two classes) or one-vs-rest GBT: each class's margin F through 1 / (1 + e^(-2F)), normalized. */
    public static String gbt(OnnxGraph g, String x, Object model, int classes, String prefix) {
        Trees t = new Trees();
        int targets;
        if (model instanceof GBTClassificationModel binary) {
            addBoosted(t, binary, 0, 0, prefix);
            targets = 1;
        } else if (model instanceof OneVsRestModel ovr) {
            int tree = 0;
            ClassificationModel<?, ?>[] models = ovr.models();
            for (int c = 0; c < models.length; c++) {
                if (!(models[c] instanceof GBTClassificationModel m)) {
                    throw new UserError(prefix + ": one-vs-rest over " + models[c].getClass().getSimpleName()
                            + " is not exported to ONNX (GBT only)");
                }
                tree = addBoosted(t, m, c, tree, prefix);
            }
            targets = classes;
        } else {
            throw new UserError(prefix + ": " + model.getClass().getSimpleName() + " is not a GBT model");
        }
        String margin = g.node(OnnxGraph.ML, "TreeEnsembleRegressor", List.of(x), List.of(g.name(prefix + "_margin")),
                t.attrs("target", Attr.i("n_targets", targets), Attr.s("aggregate_function", "SUM"),
                        Attr.s("post_transform", "NONE"))).get(0);
        String twice = g.node("Mul", List.of(margin, g.floats(prefix + "_two", new long[0], new float[] {2f})),
                g.name(prefix + "_2f"));
        String p = g.node("Sigmoid", List.of(twice), g.name(prefix + "_sigmoid"));
        if (targets == 1) { // MLlib's binary GBT: [1 - p, p]
            String q = g.node("Sub", List.of(g.floats(prefix + "_one", new long[0], new float[] {1f}), p),
                    g.name(prefix + "_1mp"));
            return g.node("Concat", List.of(q, p), g.name(prefix + "_probabilities"), Attr.i("axis", 1));
        }
        return normalizeRows(g, p, prefix);
    }

    private static int addBoosted(Trees t, GBTClassificationModel m, int target, int firstTree, String prefix) {
        DecisionTreeRegressionModel[] trees = m.trees();
        double[] weights = m.treeWeights();
        for (int i = 0; i < trees.length; i++) {
            double w = weights[i];
            t.add(firstTree + i, trees[i].rootNode(), (leaf, tree, node) -> t.leaf(tree, node, target,
                    (float) (w * leaf.prediction())), prefix);
        }
        return firstTree + trees.length;
    }

    /** Stacking's head: softmax(concat(members) W^T + b) with the meta-learner's coefficients. */
    public static String stacking(OnnxGraph g, List<String> members, LogisticRegressionModel meta, int classes,
                                  String prefix) {
        String x = g.node("Concat", members, g.name(prefix + "_inputs"), Attr.i("axis", 1));
        return softmaxOfLinear(g, x, meta.coefficientMatrix(), meta.interceptVector().toArray(), classes, prefix);
    }

    /** Each row divided by its sum. */
    static String normalizeRows(OnnxGraph g, String x, String prefix) {
        String sum = g.node("ReduceSum", List.of(x, g.int64s(g.name(prefix + "_axis"), new long[] {1}, new long[] {1})),
                g.name(prefix + "_rowsum"), Attr.i("keepdims", 1));
        return g.node("Div", List.of(x, sum), g.name(prefix + "_probabilities"));
    }

    /** What a leaf contributes: {@code (leaf, tree id, node id)}. */
    private interface LeafValues {
        void at(LeafNode leaf, long tree, long node);
    }

    /** The flattened nodes and leaf values of tree ensembles, as the ai.onnx.ml tree operators take them. */
    private static final class Trees {
        final List<Long> treeIds = new ArrayList<>();
        final List<Long> nodeIds = new ArrayList<>();
        final List<Long> featureIds = new ArrayList<>();
        final List<Float> values = new ArrayList<>();
        final List<String> modes = new ArrayList<>();
        final List<Long> trueIds = new ArrayList<>();
        final List<Long> falseIds = new ArrayList<>();
        final List<Long> leafTrees = new ArrayList<>();
        final List<Long> leafNodes = new ArrayList<>();
        final List<Long> leafTargets = new ArrayList<>();
        final List<Float> leafWeights = new ArrayList<>();

        void add(int tree, Node root, LeafValues leaves, String prefix) {
            add(tree, root, new long[] {0}, leaves, prefix);
        }

        /** Numbers the nodes depth first from 0; returns the node's id. */
        private long add(int tree, Node node, long[] next, LeafValues leaves, String prefix) {
            long id = next[0]++;
            int at = treeIds.size();
            treeIds.add((long) tree);
            nodeIds.add(id);
            if (node instanceof InternalNode in) {
                if (!(in.split() instanceof ContinuousSplit split)) {
                    throw new UserError(prefix + ": tree " + tree + " has a categorical split, which is not exported "
                            + "to ONNX");
                }
                featureIds.add((long) split.featureIndex());
                values.add((float) split.threshold());
                modes.add("BRANCH_LEQ");
                trueIds.add(0L);
                falseIds.add(0L);
                long left = add(tree, in.leftChild(), next, leaves, prefix);
                long right = add(tree, in.rightChild(), next, leaves, prefix);
                trueIds.set(at, left);
                falseIds.set(at, right);
            } else {
                featureIds.add(0L);
                values.add(0f);
                modes.add("LEAF");
                trueIds.add(0L);
                falseIds.add(0L);
                leaves.at((LeafNode) node, tree, id);
            }
            return id;
        }

        void leaf(long tree, long node, int target, float weight) {
            leafTrees.add(tree);
            leafNodes.add(node);
            leafTargets.add((long) target);
            leafWeights.add(weight);
        }

        /** The node attributes, then the leaf ones named {@code <kind>_treeids} etc., then {@code extra}. */
        Attr[] attrs(String kind, Attr... extra) {
            List<Attr> a = new ArrayList<>(List.of(
                    Attr.ints("nodes_treeids", longs(treeIds)), Attr.ints("nodes_nodeids", longs(nodeIds)),
                    Attr.ints("nodes_featureids", longs(featureIds)), Attr.floats("nodes_values", floats(values)),
                    Attr.strings("nodes_modes", modes.toArray(new String[0])),
                    Attr.ints("nodes_truenodeids", longs(trueIds)), Attr.ints("nodes_falsenodeids", longs(falseIds)),
                    Attr.ints(kind + "_treeids", longs(leafTrees)), Attr.ints(kind + "_nodeids", longs(leafNodes)),
                    Attr.ints(kind + "_ids", longs(leafTargets)), Attr.floats(kind + "_weights", floats(leafWeights))));
            a.addAll(List.of(extra));
            return a.toArray(new Attr[0]);
        }

        private static long[] longs(List<Long> l) {
            return l.stream().mapToLong(Long::longValue).toArray();
        }

        private static float[] floats(List<Float> l) {
            float[] f = new float[l.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = l.get(i);
            }
            return f;
        }
    }
}
