package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** The fused step gives DL4J's fit's bits, refuses what it does not cover, and stops on a non-finite output. */
class FusedAdamStepTest {

    static final TensorSpec SPEC = new TensorSpec(1, 16, 16, "unit", 4);

    static TrainSettings settings(String... sets) {
        List<String> all = new ArrayList<>(List.of("train.hidden-units=48", "train.hidden-layers=2",
                "train.learning-rate=0.01", "train.l2=0.001"));
        all.addAll(List.of(sets));
        return TrainSettings.from(ConfigLoader.load(List.of(), all));
    }

    /** Minibatches of 16 rows (the last one 7): pixels in [0, 1) with a quarter of them 0, as in images. */
    static List<DataSet> minibatches(int count) {
        Nd4j.getRandom().setSeed(11);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int rows = i == count - 1 ? 7 : 16;
            INDArray x = Nd4j.rand(DataType.FLOAT, rows, SPEC.featureSize());
            x.muli(Nd4j.rand(DataType.FLOAT, rows, SPEC.featureSize()).gt(0.25).castTo(DataType.FLOAT));
            INDArray y = Nd4j.zeros(DataType.FLOAT, rows, SPEC.numClasses());
            for (int r = 0; r < rows; r++) {
                y.putScalar(r, (r * 7 + i) % SPEC.numClasses(), 1f);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    static final TensorSpec TEXT = new TensorSpec(1, 1, 20, TensorSpec.TOKEN_IDS, 3, 50);

    /** Token ids: texts of 1 to 20 tokens, padded with 0 (the padding id). */
    static List<DataSet> texts(int count) {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            float[][] ids = new float[16][TEXT.featureSize()];
            float[][] labels = new float[16][TEXT.numClasses()];
            for (int r = 0; r < ids.length; r++) {
                int length = 1 + rnd.nextInt(ids[r].length);
                for (int i = 0; i < length; i++) {
                    ids[r][i] = 1 + rnd.nextInt(TEXT.vocabularySize() - 1);
                }
                labels[r][rnd.nextInt(TEXT.numClasses())] = 1;
            }
            out.add(new DataSet(Nd4j.createFromArray(ids), Nd4j.createFromArray(labels)));
        }
        return out;
    }

    private static void sameBitsAsFit(TrainSettings s) {
        sameBitsAsFit(s, SPEC, minibatches(25));
    }

    /** Both routes over the same minibatches from the same start: every parameter and Adam moment, bit for bit. */
    private static void sameBitsAsFit(TrainSettings s, TensorSpec spec, List<DataSet> batches) {
        MultiLayerNetwork viaFit = (MultiLayerNetwork) ModelFactory.create(s, spec);
        MultiLayerNetwork fused = viaFit.clone();
        assertNull(FusedAdamStep.refusal(fused), s.model());
        for (int i = 0; i < batches.size(); i++) {
            Nd4j.getRandom().setSeed(100 + i); // dropout draws its masks from here, on both routes
            viaFit.fit(batches.get(i));
            Nd4j.getRandom().setSeed(100 + i);
            assertTrue(FusedAdamStep.fit(fused, batches.get(i)), "finite at step " + i);
            assertArrayEquals(viaFit.params().toFloatVector(), fused.params().toFloatVector(),
                    s.model() + ": parameters after step " + i);
        }
        assertArrayEquals(viaFit.getUpdater().getStateViewArray().toFloatVector(),
                fused.getUpdater().getStateViewArray().toFloatVector(), s.model() + ": Adam's m and v");
        assertEquals(viaFit.getIterationCount(), fused.getIterationCount());
        assertEquals(batches.size(), fused.getIterationCount());
        // and the fused network went somewhere: the updates changed every layer's weights
        MultiLayerNetwork start = (MultiLayerNetwork) ModelFactory.create(s, spec);
        for (String p : fused.paramTable().keySet()) {
            if (p.endsWith("_W")) {
                assertFalse(start.getParam(p).equals(fused.getParam(p)), p + " unchanged");
            }
        }
    }

    @Test
    void denseNetworkWithL2GetsFitsBits() {
        sameBitsAsFit(settings("train.model=mlp"));
    }

    @Test
    void convolutionsWithDropoutGetFitsBits() {
        sameBitsAsFit(settings("train.model=lenet", "train.dropout=0.3"));
    }

    @Test
    void textNetworksGetFitsBits() {
        for (String model : List.of("text-mean", "text-cnn")) {
            sameBitsAsFit(settings("train.model=" + model, "train.text.embedding-size=8", "train.text.filters=12"),
                    TEXT, texts(12));
        }
    }

    @Test
    void learningRateChangesAndNoL2AreFollowed() {
        TrainSettings s = settings("train.model=mlp", "train.l2=0");
        MultiLayerNetwork viaFit = (MultiLayerNetwork) ModelFactory.create(s, SPEC);
        MultiLayerNetwork fused = viaFit.clone();
        List<DataSet> batches = minibatches(6);
        for (int i = 0; i < batches.size(); i++) {
            if (i == 3) { // as the trainer does between epochs: the updater blocks are rebuilt
                viaFit.setLearningRate(0.001);
                fused.setLearningRate(0.001);
            }
            viaFit.fit(batches.get(i));
            assertNull(FusedAdamStep.refusal(fused));
            FusedAdamStep.fit(fused, batches.get(i));
        }
        assertArrayEquals(viaFit.params().toFloatVector(), fused.params().toFloatVector());
    }

    @Test
    void whatItDoesNotCoverGoesThroughFit() {
        Model graph = ModelFactory.create(settings("train.model=resnet"), new TensorSpec(1, 8, 8, "unit", 3));
        assertEquals("not a MultiLayerNetwork", FusedAdamStep.refusal(graph));
        assertTrue(FusedAdamStep.refusal(ModelFactory.create(settings("train.updater=sgd"), SPEC))
                .contains("is not OnePassAdam"));
        assertTrue(FusedAdamStep.refusal(ModelFactory.create(settings("train.updater=adamw"), SPEC))
                .startsWith("regularization"), "decoupled weight decay is applied after the updater");
        MultiLayerNetwork listened = (MultiLayerNetwork) ModelFactory.create(settings(), SPEC);
        listened.addListeners(SubnormalFlush.listener());
        assertNotNull(FusedAdamStep.refusal(listened));
    }

    /** Inputs of 3e38 overflow the first layer: the output is NaN, the step says so and changes nothing. */
    @Test
    void aNonFiniteOutputChangesNothing() {
        MultiLayerNetwork net = (MultiLayerNetwork) ModelFactory.create(settings(), SPEC);
        DataSet ok = minibatches(1).get(0);
        assertTrue(FusedAdamStep.fit(net, ok));
        float[] before = net.params().toFloatVector();
        float[] state = net.getUpdater().getStateViewArray().toFloatVector();
        DataSet huge = new DataSet(ok.getFeatures().mul(3e38f), ok.getLabels());
        assertFalse(FusedAdamStep.fit(net, huge));
        assertArrayEquals(before, net.params().toFloatVector());
        assertArrayEquals(state, net.getUpdater().getStateViewArray().toFloatVector());
        assertEquals(1, net.getIterationCount(), "the failed step is not counted");
    }
}
