package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class OnePassAdamTest {

    /** The same gradients through ND4J's Adam and ours, for several steps: the same updates and state. */
    @Test
    void matchesNd4jAdamStepByStep() {
        int n = 1003;
        INDArray ours = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        INDArray theirs = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        GradientUpdater<?> a = new OnePassAdam(0.01, 0.9, 0.999, 1e-8).instantiate(ours, true);
        GradientUpdater<?> b = new Adam(0.01, 0.9, 0.999, 1e-8).instantiate(theirs, true);
        Nd4j.getRandom().setSeed(7);
        for (int step = 0; step < 5; step++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 1, n).muli(0.1);
            INDArray g1 = g.dup();
            INDArray g2 = g.dup();
            a.applyUpdater(g1, step, 0);
            b.applyUpdater(g2, step, 0);
            assertTrue(g1.equalsWithEps(g2, 1e-6), "update at step " + step);
        }
        assertTrue(ours.equalsWithEps(theirs, 1e-6), "m and v after 5 steps");
    }

    /** The gradient DL4J hands the updater is a view into the flat gradient: the loop must start at its offset. */
    @Test
    void updatesAViewInPlaceAndLeavesTheRestAlone() {
        INDArray flat = Nd4j.ones(DataType.FLOAT, 1, 20);
        INDArray view = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 15)).reshape(1, 10);
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 20);
        new OnePassAdam(0.5, 0.9, 0.999, 1e-8).instantiate(state, true).applyUpdater(view, 0, 0);
        // the first step of Adam is lr * sign(g) (bias-corrected m / sqrt(v) = g / |g|)
        for (int i = 0; i < 20; i++) {
            float expected = i >= 5 && i < 15 ? 0.5f : 1f;
            assertEquals(expected, flat.getFloat(i), 1e-5, "element " + i);
        }
        assertEquals(0.1f, state.getFloat(0), 1e-6, "m of the first element: (1 - beta1) * g");
        assertEquals(0.001f, state.getFloat(10), 1e-6, "v of the first element: (1 - beta2) * g^2");
    }

    /** An array of several chunks and a ragged end: the chunked loop gives exactly the bits of one loop over all. */
    @Test
    void chunksGiveTheBitsOfOneLoopOverTheWholeArray() {
        int n = 3 * OnePassAdam.Updater.CHUNK + 5;
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
        GradientUpdater<?> a = new OnePassAdam(0.01, 0.9, 0.999, 1e-8).instantiate(state, true);
        float[] m = new float[n];
        float[] v = new float[n];
        Nd4j.getRandom().setSeed(11);
        for (int step = 0; step < 3; step++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 1, n);
            float[] expected = g.toFloatVector();
            double stepSize = 0.01 * Math.sqrt(1 - Math.pow(0.999, step + 1)) / (1 - Math.pow(0.9, step + 1));
            OnePassAdam.Updater.step(expected, m, v, n, 0.9f, 0.999f, (float) stepSize, 1e-8f);
            a.applyUpdater(g, step, 0);
            float[] actual = g.toFloatVector();
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                        "update of element " + i + " at step " + step);
            }
        }
        float[] flat = state.toFloatVector();
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(m[i]), Float.floatToIntBits(flat[i]), "m of element " + i);
            assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(flat[n + i]), "v of element " + i);
        }
    }

    @Test
    void survivesTheConfigurationJsonAndTrains() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1)
                .updater(new OnePassAdam(0.01, 0.9, 0.999, 1e-8)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        MultiLayerNetwork net = new MultiLayerNetwork(back);
        net.init();
        assertInstanceOf(OnePassAdam.class, ((org.deeplearning4j.nn.conf.layers.BaseLayer)
                net.getLayer(0).conf().getLayer()).getIUpdater());
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 64, 2);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, x.getFloat(i, 0) > 0.5f ? 1 : 0, 1f);
        }
        DataSet d = new DataSet(x, y);
        double before = net.score(d);
        for (int i = 0; i < 200; i++) {
            net.fit(d);
        }
        assertTrue(net.score(d) < before / 2, "loss " + before + " -> " + net.score(d));
        net.setLearningRate(0.001);
        assertEquals(0.001, ((OnePassAdam) ((org.deeplearning4j.nn.conf.layers.BaseLayer)
                net.getLayer(0).conf().getLayer()).getIUpdater()).getLearningRate(), 1e-12);
    }
}
