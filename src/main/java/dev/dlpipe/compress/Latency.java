package dev.dlpipe.compress;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference latency of a network on this JVM: one row and a batch of 256, median of repeated calls after warm-up.
 * A slow variant (half precision is emulated on CPUs) gets fewer calls rather than holding the stage up.
 */
public final class Latency {

    private Latency() {
    }

    public static Map<String, Object> measure(MultiLayerNetwork net) {
        long inputs = net.layerInputSize(0);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("latency_ms_1", median(net, Nd4j.rand(DataType.FLOAT, 1, inputs), 200));
        m.put("latency_ms_256", median(net, Nd4j.rand(DataType.FLOAT, 256, inputs), 20));
        return m;
    }

    /** Median of up to {@code runs} timed calls, fewer when they take long (about a 2 s budget, at least 3 calls). */
    private static double median(MultiLayerNetwork net, INDArray x, int runs) {
        long budget = System.nanoTime() + 2_000_000_000L;
        net.output(x);
        for (int i = 0; i < Math.max(5, runs / 10) && System.nanoTime() < budget; i++) {
            net.output(x);
        }
        budget = System.nanoTime() + 2_000_000_000L;
        double[] ms = new double[runs];
        int n = 0;
        while (n < runs && (n < 3 || System.nanoTime() < budget)) {
            long t0 = System.nanoTime();
            net.output(x);
            ms[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] done = Arrays.copyOf(ms, n);
        Arrays.sort(done);
        return Math.round(done[n / 2] * 1000) / 1000.0;
    }
}
