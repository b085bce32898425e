package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.model.Network;
import dev.dlpipe.model.Int8ModelFile;
import dev.dlpipe.compress.MagnitudePruner;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.tensor.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What compress, export and score rely on, for both kinds of network the trainer makes. */
class NetworkTest {

    static final TensorSpec SPEC = new TensorSpec(1, 28, 28, "unit", 10);

    static Network model(String name) {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=" + name,
                "train.hidden-units=32")));
        return new Network(ModelFactory.create(s, SPEC));
    }

    /** What executors load per task: the same network, bit for bit, for layer stacks, graphs and half precision. */
    @Test
    void compactBytesRoundTripExactly() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, SPEC.featureSize());
        for (String name : List.of("mlp", "resnet")) {
            Network net = model(name);
            Network back = dev.dlpipe.model.Models.fromCompact(dev.dlpipe.model.Models.compact(net));
            assertEquals(net.isGraph(), back.isGraph(), name);
            assertEquals(net.model().params(), back.model().params(), name);
            assertEquals(net.output(x), back.output(x), name);
        }
        Network half = model("mlp").withDataType(DataType.HALF);
        Network back = dev.dlpipe.model.Models.fromCompact(dev.dlpipe.model.Models.compact(half));
        assertEquals(DataType.HALF, back.model().params().dataType());
        assertEquals(half.model().params(), back.model().params(), "half values survive the float32 block");
        assertThrows(IllegalArgumentException.class, () -> dev.dlpipe.model.Models.fromCompact(new byte[] {1, 2, 3, 4}));
    }

    @Test
    void int8FilesRoundTripMultiLayerNetworksAndGraphs() throws Exception {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, SPEC.featureSize());
        for (String name : List.of("mlp", "resnet")) {
            Network net = model(name);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Int8ModelFile.write(net, out);
            Network back = Int8ModelFile.read(new ByteArrayInputStream(out.toByteArray()), name);
            assertEquals(net.isGraph(), back.isGraph(), name);
            assertEquals(net.paramTable().keySet(), back.paramTable().keySet(), name);
            net.paramTable().forEach((k, p) -> {
                INDArray q = back.paramTable().get(k);
                double maxDiff = p.sub(q).amaxNumber().doubleValue();
                if (dev.dlpipe.model.Network.isWeight(k)) {
                    // within half a quantization step of the largest weight in the tensor (per channel is finer)
                    assertTrue(maxDiff <= p.amaxNumber().doubleValue() / 127 / 2 + 1e-7, name + " " + k + " " + maxDiff);
                } else {
                    assertEquals(0.0, maxDiff, name + " " + k + ": biases and batch-norm statistics stay float32");
                }
            });
            double outDiff = net.output(x).sub(back.output(x)).amaxNumber().doubleValue();
            assertTrue(outDiff < 0.02, name + " outputs move by " + outDiff);
        }
    }

    @Test
    void pruningAGraphTouchesConvolutionAndDenseWeightsOnly() {
        Network net = model("resnet");
        Map<String, INDArray> before = new java.util.HashMap<>();
        net.paramTable().forEach((k, p) -> before.put(k, p.dup()));
        MagnitudePruner.prune(net.paramTable(), MagnitudePruner.thresholds(net.paramTable(), 0.6, false));
        long weights = 0;
        long zeros = 0;
        for (Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
            if (dev.dlpipe.model.Network.isWeight(e.getKey())) {
                weights += e.getValue().length();
                zeros += e.getValue().length() - e.getValue().neq(0.0).castTo(DataType.INT64).sumNumber().longValue();
            } else {
                assertEquals(before.get(e.getKey()), e.getValue(), e.getKey() + " must not be pruned");
            }
        }
        assertEquals(0.6, (double) zeros / weights, 0.01);
        long nonZero = net.paramTable().values().stream()
                .mapToLong(p -> p.neq(0.0).castTo(DataType.INT64).sumNumber().longValue()).sum(); // float32: eq works
        assertEquals(nonZero, MagnitudePruner.nonZero(net.paramTable()));
        assertTrue(nonZero <= net.numParams() - zeros);
        // half precision keeps the zeros (ND4J's own eq() miscounts on HALF arrays; ours scans)
        assertEquals(MagnitudePruner.nonZero(net.paramTable()),
                MagnitudePruner.nonZero(net.withDataType(DataType.HALF).paramTable()));
    }

    /**
     * Calibration must see what a layer really receives. Here the dense layer's input also feeds an activation
     * layer, which DL4J applies in place: in its own feed-forward map that input has been through relu afterwards.
     */
    @Test
    void layerInputsAreTakenBeforeInPlaceActivationsOverwriteThem() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(6).activation(Activation.IDENTITY).build(), "in")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "hidden")
                .addLayer("linear", new DenseLayer.Builder().nIn(6).nOut(6).activation(Activation.IDENTITY).build(),
                        "hidden")
                .addVertex("both", new MergeVertex(), "relu", "linear")
                .addLayer("out", new OutputLayer.Builder().nIn(12).nOut(3).activation(Activation.SOFTMAX).build(), "both")
                .setOutputs("out").build());
        g.init();
        g.getLayer("hidden").getParam("b").assign(-5); // every hidden value negative: relu would zero them all
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 4).subi(0.5).muli(4);
        INDArray hidden = x.mmul(g.getLayer("hidden").getParam("W")).addiRowVector(g.getLayer("hidden").getParam("b"));
        float expected = hidden.amaxNumber().floatValue();
        assertTrue(hidden.minNumber().floatValue() < -hidden.maxNumber().floatValue(),
                "the test needs the largest |value| to be negative, which relu would erase");

        Map<String, Float> ranges = new Network(g).inputMaxAbs(x);
        assertEquals(expected, ranges.get("linear"), 1e-5);
        assertEquals(expected, ranges.get("relu"), 1e-5);
        assertEquals(x.amaxNumber().floatValue(), ranges.get("hidden"), 1e-6);
        assertEquals(new Network(g).output(x), g.outputSingle(false, x), "vertex-by-vertex left the graph unchanged");
    }
}
