package dev.dlpipe.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.UserError;
import dev.dlpipe.onnx.OnnxExporter;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.model.Network;
import dev.dlpipe.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exported ONNX models of every network the trainer makes (MLP, LeNet, the residual graph with batch norm) run in
 * ONNX Runtime (Java) and agree with DL4J: FP32 to float rounding, int8 (QDQ weights) on the top-1 class. Debian's onnx checker accepts every file where python3-onnx is installed.
 */
public class OnnxExportTest {

    static final TensorSpec SPEC = new TensorSpec(1, 28, 28, "unit", 10);

    @TempDir
    Path dir;

    static Network model(String name) {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=" + name,
                "train.hidden-units=64", "train.dropout=0.2")));
        Network net = new Network(ModelFactory.create(s, SPEC));
        // a fresh batch norm is the identity (mean 0, variance 1, gamma 1, beta 0): give it statistics to export
        net.paramTable().forEach((k, p) -> {
            if (k.endsWith("_mean") || k.endsWith("_beta")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).subi(0.5));
            } else if (k.endsWith("_var") || k.endsWith("_gamma")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).addi(0.5));
            } else if (k.endsWith("_log10stdev")) {
                p.assign(Nd4j.rand(DataType.FLOAT, p.shape()).subi(0.5).muli(0.4));
            }
        });
        return net;
    }

    @Test
    void fp32AndInt8ModelsAgreeWithDl4jInOnnxRuntime() throws Exception {
        // seeded: the networks are untrained, so some rows sit near a tie between two classes, and which rows
        // those are must not depend on whatever ND4J's global RNG did earlier in this JVM
        Nd4j.getRandom().setSeed(20261122);
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, SPEC.featureSize());
        for (String name : List.of("mlp", "lenet", "resnet")) {
            Network net = model(name);
            float[][] dl4j = net.output(x).toFloatMatrix();
            byte[] fp32 = OnnxExporter.export(net, SPEC, false, Map.of("classes", "0,1,2,3,4,5,6,7,8,9"), "test");
            float[][] onnx = Ort.run(fp32, x);
            double maxDiff = 0;
            for (int i = 0; i < dl4j.length; i++) {
                for (int c = 0; c < dl4j[i].length; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(dl4j[i][c] - onnx[i][c]));
                }
            }
            assertTrue(maxDiff < 1e-5, name + " FP32 max abs diff " + maxDiff);

            byte[] int8 = OnnxExporter.export(net, SPEC, true, Map.of(), "test");
            assertTopOneAgreement(dl4j, Ort.run(int8, x), name + " int8 weights");
            // full int8: activations calibrated on other rows of the same distribution
            Map<String, Float> ranges = dev.dlpipe.compress.ActivationCalibration.inputRanges(net,
                    Nd4j.rand(DataType.FLOAT, 256, SPEC.featureSize()));
            assertEquals(Map.of("mlp", 3, "lenet", 4, "resnet", 8).get(name), ranges.size(),
                    "one range per weight layer: " + ranges);
            byte[] full = OnnxExporter.export(net, SPEC, true, ranges, Map.of(), "test");
            assertTopOneAgreement(dl4j, Ort.run(full, x), name + " int8 weights and activations");
            Files.write(dir.resolve(name + "-int8-full.onnx"), full);
            // the small residual net keeps relatively more in float: batch-norm statistics, biases, per-channel scales
            double smaller = name.equals("resnet") ? 2.5 : 3.5;
            assertTrue(int8.length * smaller < fp32.length, name + ": int8 " + int8.length + " B vs FP32 " + fp32.length + " B");
            Files.write(dir.resolve(name + "-fp32.onnx"), fp32);
            Files.write(dir.resolve(name + "-int8.onnx"), int8);
        }
        checkWithPythonOnnx(dir, 9);
    }

    /**
     * The calibrated int8 MLP must run as integer kernels in ONNX Runtime, not as float Gemm on weights dequantized
     * every call: each dense layer one QGemm, no Relu left (the uint8 clamp at zero point 0 is the ReLU), no
     * DequantizeLinear of weights. With images (non-negative pixels) and with signed inputs (a table's standardized
     * columns, zero point 128). A layout check, not a timing: docs/benchmarks.md has the latencies.
     */
    @Test
    void calibratedInt8MlpRunsAsIntegerKernels() throws Exception {
        Nd4j.getRandom().setSeed(7);
        for (TensorSpec spec : List.of(SPEC, new TensorSpec(1, 1, 30, TensorSpec.TABULAR_STATS, 3))) {
            TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=mlp",
                    "train.hidden-units=64")));
            Network net = new Network(ModelFactory.create(s, spec));
            INDArray sample = Nd4j.rand(DataType.FLOAT, 256, spec.featureSize());
            if (!spec.fromImages()) {
                sample.subi(0.5).muli(4); // standardized columns: both signs
            }
            byte[] full = OnnxExporter.export(net, spec, true, dev.dlpipe.compress.ActivationCalibration.inputRanges(
                    net, sample), Map.of(), "test");
            Map<String, Integer> ops = Ort.optimizedOperators(full);
            assertEquals(Map.of("QuantizeLinear", 1, "QGemm", 3, "Softmax", 1), ops, spec.normalize() + ": " + ops);
            INDArray x = spec.fromImages() ? Nd4j.rand(DataType.FLOAT, 64, spec.featureSize())
                    : Nd4j.rand(DataType.FLOAT, 64, spec.featureSize()).subi(0.5).muli(4);
            assertTopOneAgreement(net.output(x).toFloatMatrix(), Ort.run(full, x), spec.normalize() + " int8");
        }
    }

    @Test
    void aLayerTheExporterCannotMapIsNamed() {
        MultiLayerNetwork net = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(784).nOut(8).build())
                .layer(new org.deeplearning4j.nn.conf.layers.misc.ElementWiseMultiplicationLayer.Builder().nIn(8)
                        .nOut(8).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build());
        net.init();
        UserError e = assertThrows(UserError.class,
                () -> OnnxExporter.export(new Network(net), SPEC, false, Map.of(), "test"));
        assertTrue(e.getMessage().contains("layer 1 (ElementWiseMultiplicationLayer"), e.getMessage());

        ComputationGraph graph = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in")
                .addLayer("dense", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(784).nOut(8).build(), "in")
                .addVertex("scaled", new org.deeplearning4j.nn.conf.graph.ScaleVertex(2.0), "dense")
                .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(8).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "scaled")
                .setOutputs("out").build());
        graph.init();
        e = assertThrows(UserError.class, () -> OnnxExporter.export(new Network(graph), SPEC, false, Map.of(), "test"));
        assertTrue(e.getMessage().contains("vertex scaled (ScaleVertex)"), e.getMessage());
    }

    /**
     * The networks here are untrained, so many rows are near-ties whose top-1 flips with any rounding. Agreement is
     * required on every row where DL4J's top class leads by a clear margin (and those must be most rows); the
     * trained model's 99% over the whole test split is checked in QuickstartPipelineTest.
     */
    static void assertTopOneAgreement(float[][] expected, float[][] actual, String what) {
        int clear = 0;
        int agree = 0;
        for (int i = 0; i < expected.length; i++) {
            float[] sorted = expected[i].clone();
            java.util.Arrays.sort(sorted);
            if (sorted[sorted.length - 1] - sorted[sorted.length - 2] >= 0.01f) {
                clear++;
                agree += Ort.argMax(expected[i]) == Ort.argMax(actual[i]) ? 1 : 0;
            }
        }
        assertTrue(clear >= expected.length / 2, what + ": only " + clear + " rows with a clear top class");
        assertEquals(clear, agree, what + ": top-1 agreement on the rows with a clear top class");
    }

    /** Debian's python3-onnx checker over every file; required where DLPIPE_REQUIRE_ONNX=1 (CI installs it). */
    public static void checkWithPythonOnnx(Path dir, int files) throws Exception {
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import onnx").start();
        if (probe.waitFor() != 0) {
            assertNotEquals("1", System.getenv("DLPIPE_REQUIRE_ONNX"), "python3-onnx is required here but missing");
            System.err.println("python3-onnx not installed: the onnx.checker pass is skipped");
            return;
        }
        Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                "import onnx, sys, glob\n"
                        + "for f in sorted(glob.glob(sys.argv[1] + '/*.onnx')):\n"
                        + "    onnx.checker.check_model(onnx.load(f), full_check=True)\n"
                        + "    print('ok', f)\n", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertEquals(files, out.lines().filter(l -> l.startsWith("ok ")).count(), out);
    }
}
