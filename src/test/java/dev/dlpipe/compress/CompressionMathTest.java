package dev.dlpipe.compress;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.model.Int8Quantizer;
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

    @Test
    void perLayerPruningHitsTheTargetInEveryLayerAndTheRampEndsAtTheTarget() {
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("0_W", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 30, 20).subi(0.5));
        params.put("0_b", Nd4j.ones(1, 20));
        params.put("1_W", Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 20, 5).muli(10));
        MagnitudePruner.prune(params, MagnitudePruner.thresholds(params, 0.8, true));
        Map<String, Double> by = MagnitudePruner.sparsityByLayer(params);
        assertEquals(0.8, by.get("0_W"), 0.01);
        assertEquals(0.8, by.get("1_W"), 0.01, "per layer: the large-valued layer is pruned as much");
        assertFalse(by.containsKey("0_b"), "biases are not pruned");
        assertEquals(20.0, params.get("0_b").sumNumber().doubleValue(), 1e-6);

        assertEquals(0.8, MagnitudePruner.gradualSparsity(0.8, 3, 3), 1e-12);
        assertTrue(MagnitudePruner.gradualSparsity(0.8, 1, 3) < MagnitudePruner.gradualSparsity(0.8, 2, 3));
        assertEquals(0.8 * (1 - Math.pow(2.0 / 3, 3)), MagnitudePruner.gradualSparsity(0.8, 1, 3), 1e-12);
    }

    @Test
    void aPruningMaskSurvivesSerializationAndZeroesWhatWasPruned() throws Exception {
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork net = (org.deeplearning4j.nn.multilayer.MultiLayerNetwork)
                dev.dlpipe.train.ModelFactory.create(dev.dlpipe.train.TrainSettings.from(dev.dlpipe.config.ConfigLoader
                        .load(java.util.List.of(), java.util.List.of("train.hidden-units=16", "train.hidden-layers=1"))),
                        new dev.dlpipe.tensor.TensorSpec(1, 4, 4, "unit", 3));
        MagnitudePruner.prune(net.paramTable(), MagnitudePruner.thresholds(net.paramTable(), 0.5, false));
        PruningMask mask = PruningMask.ofNonZero(net.paramTable());
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(mask);
        }
        PruningMask shipped;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            shipped = (PruningMask) in.readObject();
        }
        Map<String, float[]> before = new LinkedHashMap<>();
        net.paramTable().forEach((k, v) -> before.put(k, v.dup('c').data().asFloat()));
        net.params().addi(0.01); // what an update does: every parameter moves
        shipped.postUpdate((org.nd4j.linalg.dataset.api.DataSet) null, net);
        Map<String, INDArray> table = net.paramTable();
        long pruned = 0;
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            float[] after = table.get(e.getKey()).dup('c').data().asFloat();
            for (int i = 0; i < after.length; i++) {
                boolean wasPruned = dev.dlpipe.model.Network.isWeight(e.getKey()) && e.getValue()[i] == 0f;
                pruned += wasPruned ? 1 : 0;
                assertEquals(wasPruned, after[i] == 0f, e.getKey() + "[" + i + "]");
            }
        }
        assertTrue(pruned > 0 && table.get("0_b").minNumber().doubleValue() != 0, "biases moved and stay moved");
    }

    @Test
    void softTargetsBlendTheTemperedTeacherWithTheHardLabel() {
        INDArray p = Nd4j.createFromArray(new float[][] {{0.7f, 0.2f, 0.1f}});
        INDArray hard = Nd4j.createFromArray(new float[][] {{0f, 1f, 0f}});
        INDArray t = DistillationLoader.softTargets(p, hard, 2.0, 0.6);
        double[] tempered = {Math.sqrt(0.7), Math.sqrt(0.2), Math.sqrt(0.1)}; // softmax(log p / 2) ~ sqrt(p)
        double z = tempered[0] + tempered[1] + tempered[2];
        for (int c = 0; c < 3; c++) {
            assertEquals(0.6 * tempered[c] / z + 0.4 * hard.getDouble(0, c), t.getDouble(0, c), 1e-5);
        }
        assertEquals(1.0, t.sumNumber().doubleValue(), 1e-5, "still a distribution");
    }
}
