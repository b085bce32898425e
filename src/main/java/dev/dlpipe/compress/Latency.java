package dev.dlpipe.compress;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Inference latency of a network on this JVM: one row and a batch of 256, median of repeated calls after warm-up. */
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

    private static double median(MultiLayerNetwork net, INDArray x, int runs) {
        for (int i = 0; i < Math.max(5, runs / 10); i++) {
            net.output(x);
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            net.output(x);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return Math.round(ms[runs / 2] * 1000) / 1000.0;
    }
}
