package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.model.Network;
import dev.dlpipe.tensor.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class ExecutorEvaluationTest {

    /**
     * The loss evaluation computes from its one forward pass equals DL4J's score(), which runs the network again:
     * with L2, with balanced class weights in the loss, for a layer stack and for the residual graph, including
     * rows whose true class gets a probability the loss clips.
     */
    @Test
    void lossFromTheOutputsEqualsDl4jsScore() {
        Nd4j.getRandom().setSeed(13);
        TensorSpec spec = new TensorSpec(1, 28, 28, "unit", 4);
        for (String model : List.of("mlp", "resnet")) {
            TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.model=" + model,
                    "train.hidden-units=32", "train.l2=0.001")));
            Network net = new Network(ModelFactory.create(s, spec));
            ClassWeights.apply(net.model(), new double[] {0.5, 1.0, 2.0, 4.0});
            INDArray x = Nd4j.rand(DataType.FLOAT, 16, spec.featureSize()).muli(model.equals("mlp") ? 40 : 1);
            INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
            for (int i = 0; i < 16; i++) {
                y.putScalar(i, i % 4, 1f);
            }
            DataSet ds = new DataSet(x, y);
            double dl4j = net.isGraph() ? net.graph().score(ds, false) : net.multiLayer().score(ds, false);
            ExecutorEvaluation.SoftmaxCrossEntropy loss = ExecutorEvaluation.SoftmaxCrossEntropy.of(net);
            assertNotNull(loss, model);
            assertEquals(dl4j, loss.score(net.output(x), y), 1e-5 * Math.max(1, Math.abs(dl4j)), model);
        }
    }
}
