package dev.dlpipe.compress;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Global magnitude pruning: zeroes the {@code sparsity} fraction of weights with the smallest absolute value,
 * across all weight matrices at once (biases and normalization parameters are left alone).
 */
public final class MagnitudePruner {

    private MagnitudePruner() {
    }

    /** True for the parameters pruning and quantization act on: DL4J names weights "{layer}_W". */
    public static boolean isWeight(String paramName) {
        return paramName.endsWith("_W");
    }

    /** The magnitude below which weights are zeroed to reach {@code sparsity}. */
    public static double threshold(Map<String, INDArray> params, double sparsity) {
        int total = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (isWeight(e.getKey())) {
                total += (int) e.getValue().length();
            }
        }
        if (total == 0 || sparsity <= 0) {
            return 0;
        }
        float[] all = new float[total];
        int pos = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (isWeight(e.getKey())) {
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
        long zeros = 0;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (!isWeight(e.getKey())) {
                continue;
            }
            INDArray w = e.getValue();
            float[] values = w.dup('c').data().asFloat();
            for (int i = 0; i < values.length; i++) {
                if (Math.abs(values[i]) < threshold) {
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
}
