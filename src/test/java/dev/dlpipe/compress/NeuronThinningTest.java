package dev.dlpipe.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dlpipe.UserError;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.export.Ort;
import dev.dlpipe.model.Network;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.TrainSettings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class NeuronThinningTest {

    static final TensorSpec SPEC = new TensorSpec(1, 8, 8, "unit", 4);

    static Network mlp(String... settings) {
        List<String> s = new java.util.ArrayList<>(List.of("train.model=mlp", "train.hidden-units=10"));
        s.addAll(List.of(settings));
        return new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(), s)), SPEC));
    }

    /**
     * Neurons whose removal changes nothing (zero weights in and out) go first, and the thinned network computes
     * exactly what the original computes: the shapes shrink, the function does not change.
     */
    @Test
    void removesTheDeadNeuronsFirstAndKeepsTheFunction() {
        Nd4j.getRandom().setSeed(3);
        Network net = mlp();
        var m = net.multiLayer();
        // layer 0: neurons 1, 4, 7 silenced on the way out (zero rows in layer 1's W), 2 and 5 fed nothing
        for (int j : new int[] {1, 4, 7}) {
            m.getLayer(1).getParam("W").getRow(j).assign(0);
        }
        for (int j : new int[] {2, 5}) {
            m.getLayer(0).getParam("W").getColumn(j).assign(0);
            m.getLayer(0).getParam("b").putScalar(j, 0);
        }
        Network thin = NeuronThinning.thin(net, 0.5);
        assertEquals(List.of(5L, 5L), NeuronThinning.hiddenWidths(thin));
        assertEquals(List.of(10L, 10L), NeuronThinning.hiddenWidths(net), "the original is untouched");
        assertArrayEquals(new long[] {64, 5}, thin.multiLayer().getLayer(0).getParam("W").shape());
        assertArrayEquals(new long[] {5, 5}, thin.multiLayer().getLayer(1).getParam("W").shape());
        assertArrayEquals(new long[] {5, 4}, thin.multiLayer().getLayer(2).getParam("W").shape());
        assertEquals(64 * 5 + 5 * 5 + 5 * 4, NeuronThinning.denseMacsPerRow(thin));
        assertEquals(64 * 10 + 10 * 10 + 10 * 4, NeuronThinning.denseMacsPerRow(net));

        INDArray keptColumns = m.getLayer(0).getParam("W").get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.indices(0, 3, 6, 8, 9));
        assertTrue(keptColumns.equalsWithEps(thin.multiLayer().getLayer(0).getParam("W"), 0),
                "layer 0 keeps neurons 0, 3, 6, 8, 9: the five dead ones went");

        // when every removed neuron is dead in both layers, the thinned network computes the same function
        Network exact = mlp();
        var e = exact.multiLayer();
        for (int j : new int[] {1, 4, 7, 2, 5}) {
            e.getLayer(1).getParam("W").getRow(j).assign(0); // layer-0 neuron j silenced
        }
        for (int j : new int[] {0, 3, 6, 8, 9}) {
            e.getLayer(2).getParam("W").getRow(j).assign(0); // layer-1 neuron j silenced
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 64);
        Network exactThin = NeuronThinning.thin(exact, 0.5);
        assertTrue(exact.output(x).equalsWithEps(exactThin.output(x), 1e-6), "same function after removing dead neurons");
    }

    @Test
    void theThinnedNetworkExportsAndRunsInOnnxRuntime() {
        Nd4j.getRandom().setSeed(5);
        Network thin = NeuronThinning.thin(mlp(), 0.6);
        assertOnnxEqualsDl4j(thin, SPEC, Nd4j.rand(DataType.FLOAT, 32, 64));
    }

    private static void assertOnnxEqualsDl4j(Network net, TensorSpec spec, INDArray x) {
        float[][] onnx = Ort.run(OnnxExporter.export(net, spec, false, Map.of(), "test"), x);
        float[][] dl4j = net.output(x).toFloatMatrix();
        for (int i = 0; i < dl4j.length; i++) {
            for (int c = 0; c < dl4j[i].length; c++) {
                assertEquals(dl4j[i][c], onnx[i][c], 1e-5);
            }
        }
    }

    /**
     * LeNet: both convolutions lose channels (the second's input channels and the dense layer's flattened blocks
     * follow), the dense head loses neurons; the result runs in DL4J and ONNX Runtime alike. With the removed
     * channels made dead first, the function is unchanged.
     */
    @Test
    void thinsConvolutionChannelsThroughPoolingAndFlattening() {
        Nd4j.getRandom().setSeed(9);
        TensorSpec spec = new TensorSpec(1, 28, 28, "unit", 10);
        Network lenet = new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=lenet", "train.hidden-units=16"))), spec));
        var m = lenet.multiLayer();
        // conv0 (20 channels): channels 10..19 feed nothing in conv1; conv1 (50): channels 25..49 feed nothing
        // in the dense layer (rows c*16 .. c*16+15); dense (16): neurons 8..15 feed nothing in the output layer
        m.getLayer(2).getParam("W").get(NDArrayIndex.all(), NDArrayIndex.interval(10, 20)).assign(0);
        m.getLayer(4).getParam("W").get(NDArrayIndex.interval(25 * 16, 50 * 16), NDArrayIndex.all()).assign(0);
        m.getLayer(5).getParam("W").get(NDArrayIndex.interval(8, 16), NDArrayIndex.all()).assign(0);
        Network thin = NeuronThinning.thin(lenet, 0.5);
        assertEquals(List.of(10L, 25L, 8L), NeuronThinning.hiddenWidths(thin));
        assertArrayEquals(new long[] {10, 1, 5, 5}, thin.multiLayer().getLayer(0).getParam("W").shape());
        assertArrayEquals(new long[] {25, 10, 5, 5}, thin.multiLayer().getLayer(2).getParam("W").shape());
        assertArrayEquals(new long[] {25 * 16, 8}, thin.multiLayer().getLayer(4).getParam("W").shape());
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, spec.featureSize());
        assertTrue(lenet.output(x).equalsWithEps(thin.output(x), 1e-5), "dead channels removed: same outputs");
        assertOnnxEqualsDl4j(thin, spec, x);
    }

    @Test
    void refusesWhatItCannotThin() {
        Network resnet = new Network(ModelFactory.create(TrainSettings.from(ConfigLoader.load(List.of(),
                List.of("train.model=resnet"))), new TensorSpec(1, 28, 28, "unit", 10)));
        UserError e = assertThrows(UserError.class, () -> NeuronThinning.thin(resnet, 0.5));
        assertTrue(e.getMessage().startsWith("compress.structured-sparsity:"), e.getMessage());
        assertEquals(null, NeuronThinning.denseMacsPerRow(resnet));
    }
}
