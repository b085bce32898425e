package dev.dlpipe.compress;

import dev.dlpipe.model.Network;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Magnitude pruning: zeroes the {@code sparsity} fraction of weights with the smallest absolute value, across all
 * weight matrices at once (global) or in each on its own (per layer). Biases and normalization parameters are left
 * alone.
 */
public final class MagnitudePruner {

    private MagnitudePruner() {
    }

    /** The magnitude below which weights are zeroed to reach {@code sparsity}. */
    public static double threshold(Map<String, INDArray> params, double sparsity) {
        int total = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                total += (int) e.getValue().length();
            }
        }
        if (total == 0 || sparsity <= 0) {
            return 0;
        }
        float[] all = new float[total];
        int pos = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                float[] w = e.getValue().dup('c').data().asFloat();
                for (float v : w) {
                    all[pos++] = Math.abs(v);
                }
            }
        }
        Arrays.sort(all);
        int k = (int) Math.min(total - 1, Math.floor(sparsity * total));
        return all[k];
    }

    /** Zeroes weights with |w| < threshold in place; returns how many weights are now zero. */
    public static long prune(Map<String, INDArray> params, double threshold) {
        Map<String, Double> all = new java.util.LinkedHashMap<>();
        params.keySet().stream().filter(Network::isWeight).forEach(k -> all.put(k, threshold));
        return prune(params, all);
    }

    /** Per weight tensor thresholds: one global threshold, or each layer pruned to {@code sparsity} on its own. */
    public static Map<String, Double> thresholds(Map<String, INDArray> params, double sparsity, boolean perLayer) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        if (!perLayer) {
            double t = threshold(params, sparsity);
            params.keySet().stream().filter(Network::isWeight).forEach(k -> out.put(k, t));
            return out;
        }
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                out.put(e.getKey(), threshold(Map.of(e.getKey(), e.getValue()), sparsity));
            }
        }
        return out;
    }

    /** Zeroes weights below their tensor's threshold in place; returns how many weights are now zero. */
    public static long prune(Map<String, INDArray> params, Map<String, Double> thresholds) {
        long zeros = 0;
        for (Map.Entry<String, Double> t : thresholds.entrySet()) {
            INDArray w = params.get(t.getKey());
            float[] values = w.dup('c').data().asFloat();
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(values[i]) < t.getValue()) {
                    values[i] = 0f;
                }
                if (values[i] == 0f) {
                    zeros++;
                }
            }
            w.assign(org.nd4j.linalg.factory.Nd4j.create(values, w.shape(), 'c'));
        }
        return zeros;
    }

    /** Fraction of zeros in each weight tensor. */
    public static Map<String, Double> sparsityByLayer(Map<String, INDArray> params) {
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                INDArray w = e.getValue();
                out.put(e.getKey(), Math.round((double) zeros(w) / w.length() * 1e4) / 1e4);
            }
        }
        return out;
    }

    /** The fraction of all weight values (biases and normalization parameters aside) that are exactly zero. */
    public static double weightSparsity(Map<String, INDArray> params) {
        long total = 0;
        long zeros = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (Network.isWeight(e.getKey())) {
                total += e.getValue().length();
                zeros += zeros(e.getValue());
            }
        }
        return total == 0 ? 0 : (double) zeros / total;
    }

    /** Parameters of any kind that are not exactly zero. */
    public static long nonZero(Map<String, INDArray> params) {
        long n = 0;
        for (INDArray p : params.values()) {
            n += p.length() - zeros(p);
        }
        return n;
    }

    /** Exact zeros in {@code a}, by a plain scan: ND4J 1.0.0-M2's eq/neq(0) miscount on half-precision arrays. */
    static long zeros(INDArray a) {
        long n = 0;
        for (float v : a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat()) {
            n += v == 0f ? 1 : 0;
        }
        return n;
    }

    /** Sparsity at fine-tuning epoch {@code e} of {@code epochs}: the cubic ramp of Zhu and Gupta (2017). */
    public static double gradualSparsity(double target, int e, int epochs) {
        double progress = Math.min(1.0, (double) e / epochs);
        return target * (1 - Math.pow(1 - progress, 3));
    }
}
