package dev.dlpipe.compress;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CompressionMathTest {

    @Test
    void int8ErrorIsAtMostHalfAStepPerChannel() {
        SplittableRandom r = new SplittableRandom(3);
        long[] shape = {20, 7}; // dense [nIn, nOut]: 7 output channels
        float[] w = new float[140];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((r.nextDouble() * 2 - 1) * ((i % 7) + 1)); // channel c has range ~(c+1)
        }
        Int8Quantizer.Quantized q = Int8Quantizer.quantize(w, shape);
        assertEquals(7, q.scales().length);
        float[] back = Int8Quantizer.dequantize(q);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], back[i], q.scales()[i % 7] / 2 + 1e-6, "index " + i);
        }
        for (byte b : q.values()) {
            assertTrue(b >= -127);
        }
        // conv [nOut, nIn, kH, kW]: channel is the first dimension
        float[] conv = new float[2 * 3 * 2 * 2];
        for (int i = 0; i < conv.length; i++) {
            conv[i] = i < 12 ? 0.01f * i : 10f * i;
        }
        Int8Quantizer.Quantized qc = Int8Quantizer.quantize(conv, new long[] {2, 3, 2, 2});
        assertEquals(0.11f / 127, qc.scales()[0], 1e-7);
        assertEquals(230f / 127, qc.scales()[1], 1e-4);
    }

    @Test
    void globalMagnitudePruningHitsTheTargetAndSparesBiases() {
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("0_W", Nd4j.create(new float[] {0.1f, -0.2f, 0.3f, -0.4f, 0.5f, -0.6f, 0.7f, -0.8f, 0.9f, -1.0f}, new long[] {2, 5}));
        params.put("0_b", Nd4j.create(new float[] {0.001f, 0.002f}, new long[] {1, 2}));
        double t = MagnitudePruner.threshold(params, 0.5);
        assertEquals(0.6, t, 1e-6);
        long zeros = MagnitudePruner.prune(params, t);
        assertEquals(5, zeros);
        assertEquals(0f, params.get("0_W").getFloat(0, 0));
        assertEquals(-0.6f, params.get("0_W").getFloat(1, 0), 1e-7);
        assertEquals(0.001f, params.get("0_b").getFloat(0, 0), 1e-9, "biases are not pruned");
    }
}
