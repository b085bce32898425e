package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.model.Models;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.tensor.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Every model, updater and data type builds and learns a separable toy task; graphs survive checkpoints. */
class ModelFactoryTest {

    static final TensorSpec SPEC = new TensorSpec(1, 16, 16, "unit", 3);

    @TempDir
    Path dir;

    static TrainSettings settings(String... sets) {
        List<String> all = new java.util.ArrayList<>(List.of("train.hidden-units=32", "train.hidden-layers=1",
                "train.learning-rate=0.01"));
        all.addAll(List.of(sets));
        return TrainSettings.from(ConfigLoader.load(List.of(), all));
    }

    /** Class c lights up row band c of the 16x16 image: trivially separable, so a few steps must lower the loss. */
    static DataSet toy(DataType type) {
        int n = 48;
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, SPEC.featureSize());
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, SPEC.numClasses());
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int row = c * 5; row < c * 5 + 5; row++) {
                for (int col = 0; col < 16; col++) {
                    x.putScalar(i, row * 16 + col, 0.5 + 0.5 * r.nextDouble());
                }
            }
            y.putScalar(i, c, 1);
        }
        return new DataSet(x.castTo(type), y.castTo(type));
    }

    static double fitAndScore(Model m, DataSet d, int steps) {
        for (int i = 0; i < steps; i++) {
            if (m instanceof ComputationGraph g) {
                g.fit(d);
            } else {
                ((MultiLayerNetwork) m).fit(d);
            }
        }
        return m instanceof ComputationGraph g ? g.score(d) : ((MultiLayerNetwork) m).score(d);
    }

    @Test
    void everyModelAndUpdaterLearns() {
        for (String model : List.of("mlp", "lenet", "resnet")) {
            for (String updater : List.of("sgd", "nesterov", "adam", "adamw", "rmsprop")) {
                if (!model.equals("mlp") && !updater.equals("adam") && !updater.equals("nesterov")) {
                    continue; // the CNNs with two updaters keep this test short; the MLP covers all five
                }
                TrainSettings s = settings("train.model=" + model, "train.updater=" + updater, "train.dropout=0.1",
                        "train.learning-rate=" + (updater.equals("sgd") ? "0.1" : "0.01"));
                Model m = ModelFactory.create(s, SPEC);
                assertEquals(model.equals("resnet"), m instanceof ComputationGraph, model);
                DataSet d = toy(DataType.FLOAT);
                double before = m instanceof ComputationGraph g ? g.score(d) : ((MultiLayerNetwork) m).score(d);
                double after = fitAndScore(m, d, 15);
                assertTrue(after < before, model + "/" + updater + ": loss " + before + " -> " + after);
            }
        }
    }

    @Test
    void halfPrecisionRunsTheSameCodePathOnCpu() {
        assertThrows(dev.dlpipe.config.ConfigException.class, () -> settings("train.dtype=bfloat16"),
                "DL4J M2 networks have no bfloat16");
        for (String dtype : List.of("float16")) {
            Model m = ModelFactory.create(settings("train.dtype=" + dtype), SPEC);
            assertEquals(DataType.HALF, m.params().dataType());
            DataSet d = toy(m.params().dataType());
            double before = ((MultiLayerNetwork) m).score(d);
            double after = fitAndScore(m, d, 15);
            assertTrue(Double.isFinite(after) && after < before, dtype + ": loss " + before + " -> " + after);
        }
    }

    @Test
    void aGraphCheckpointRestoresParametersUpdaterAndLearningRate() throws Exception {
        TrainSettings s = settings("train.model=resnet");
        ComputationGraph g = (ComputationGraph) ModelFactory.create(s, SPEC);
        fitAndScore(g, toy(DataType.FLOAT), 3);
        g.setLearningRate(0.0042);
        Checkpoints cp = new Checkpoints(dir.toString(), 2);
        cp.write(1, g, Map.of("epoch", 1), 0);
        Checkpoints.Loaded back = cp.latest();
        assertEquals(1, back.epoch());
        ComputationGraph restored = (ComputationGraph) back.network();
        assertEquals(g.params(), restored.params());
        assertEquals(g.getUpdater().getStateViewArray(), restored.getUpdater().getStateViewArray());
        assertEquals(0.0042, restored.getLearningRate("out"), 1e-9);
        assertTrue(dev.dlpipe.model.Models.isGraph(Path.of(back.path(), Checkpoints.MODEL).toString()));
    }
}
