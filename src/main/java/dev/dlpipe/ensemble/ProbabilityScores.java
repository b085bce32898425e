package dev.dlpipe.ensemble;

import dev.dlpipe.model.Probabilities;
import java.util.List;

/**
 * Scores of class probabilities against labels, and the ways members' probabilities combine: plain functions over
 * [rows][classes] arrays (no Spark, no DL4J), the same for every member kind.
 */
public final class ProbabilityScores {

    /** Probabilities are clipped here before the log, as scikit-learn's log_loss does. */
    static final double EPSILON = 1e-15;
    /** Equal-width confidence bins for the expected calibration error. */
    public static final int ECE_BINS = 15;

    private ProbabilityScores() {
    }

    public static double accuracy(float[][] p, int[] labels) {
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += Probabilities.argMax(p[i]) == labels[i] ? 1 : 0;
        }
        return p.length == 0 ? Double.NaN : right / (double) p.length;
    }

    /** Mean negative log probability of the true class. */
    public static double logLoss(float[][] p, int[] labels) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            sum -= Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, p[i][labels[i]])));
        }
        return sum / p.length;
    }

    /**
     * Expected calibration error: rows binned by their top probability into {@link #ECE_BINS} equal-width bins;
     * the row-weighted mean over bins of |accuracy - mean confidence|.
     */
    public static double expectedCalibrationError(float[][] p, int[] labels) {
        double[] confidence = new double[ECE_BINS];
        double[] right = new double[ECE_BINS];
        int[] count = new int[ECE_BINS];
        for (int i = 0; i < p.length; i++) {
            int best = Probabilities.argMax(p[i]);
            int bin = Math.min(ECE_BINS - 1, (int) (p[i][best] * ECE_BINS));
            confidence[bin] += p[i][best];
            right[bin] += best == labels[i] ? 1 : 0;
            count[bin]++;
        }
        double ece = 0;
        for (int b = 0; b < ECE_BINS; b++) {
            if (count[b] > 0) {
                ece += Math.abs(right[b] - confidence[b]) / p.length;
            }
        }
        return ece;
    }

    /** {@code sum_i weights[i] * members[i]}: soft voting (equal weights) or weighted averaging. */
    public static float[][] weightedAverage(List<float[][]> members, double[] weights) {
        int rows = members.get(0).length;
        int classes = members.get(0)[0].length;
        float[][] out = new float[rows][classes];
        for (int m = 0; m < members.size(); m++) {
            float[][] p = members.get(m);
            for (int i = 0; i < rows; i++) {
                for (int c = 0; c < classes; c++) {
                    out[i][c] += (float) (weights[m] * p[i][c]);
                }
            }
        }
        return out;
    }

    public static double[] equalWeights(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0 / n);
        return w;
    }

    /**
     * Weights proportional to 1 / (validation log loss): a member that is more often confidently right counts more.
     * Fitted on validation rows only.
     */
    public static double[] inverseLossWeights(List<float[][]> validation, int[] labels) {
        double[] w = new double[validation.size()];
        double sum = 0;
        for (int m = 0; m < w.length; m++) {
            w[m] = 1.0 / Math.max(1e-6, logLoss(validation.get(m), labels));
            sum += w[m];
        }
        for (int m = 0; m < w.length; m++) {
            w[m] /= sum;
        }
        return w;
    }

    /** Hard voting: each member's top class gets one vote; the row's probabilities are the vote shares. */
    public static float[][] hardVote(List<float[][]> members) {
        int rows = members.get(0).length;
        int classes = members.get(0)[0].length;
        float[][] out = new float[rows][classes];
        for (float[][] p : members) {
            for (int i = 0; i < rows; i++) {
                out[i][Probabilities.argMax(p[i])] += 1f / members.size();
            }
        }
        return out;
    }

    /** The scores a report shows for one set of probabilities. */
    public static java.util.Map<String, Object> scores(float[][] p, int[] labels) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("accuracy", round(accuracy(p, labels)));
        m.put("log_loss", round(logLoss(p, labels)));
        m.put("ece", round(expectedCalibrationError(p, labels)));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }
}
