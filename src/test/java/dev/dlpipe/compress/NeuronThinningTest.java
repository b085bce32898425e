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
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 64);
        float[][] onnx = Ort.run(OnnxExporter.export(thin, SPEC, false, Map.of(), "test"), x);
        float[][] dl4j = thin.output(x).toFloatMatrix();
        for (int i = 0; i < dl4j.length; i++) {
            for (int c = 0; c < dl4j[i].length; c++) {
                assertEquals(dl4j[i][c], onnx[i][c], 1e-5);
            }
        }
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
