package dev.dlpipe.train;

import dev.dlpipe.UserError;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Stops training at the first minibatch whose loss is NaN or infinite, on the executor that saw it, naming the
 * epoch and the step. Without it a diverged run (too high a learning rate, extreme inputs) trained on for whole
 * epochs and failed later inside DL4J's evaluation without saying why.
 */
public final class FiniteLossCheck implements TrainingHook {

    private final int epoch;
    private transient long steps;

    public FiniteLossCheck(int epoch) {
        this.epoch = epoch;
    }

    /** The check itself, for any model that has just fitted a minibatch of {@code rows} rows. */
    static void check(double loss, int epoch, long step, long rows) {
        if (!Double.isFinite(loss)) {
            throw new UserError("training diverged: the loss became " + loss + " in epoch " + epoch + " at training"
                    + " step " + step + " (" + rows + " rows); lower train.learning-rate, or look for extreme or"
                    + " non-finite values in the training data");
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        check(model.score(), epoch, step(model), minibatch.numExamples());
    }

    /** The model's own update count (the run's step, the same on every worker), else this hook's count. */
    private long step(Model model) {
        if (model instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork m) {
            return m.getLayerWiseConfigurations().getIterationCount();
        }
        if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph g) {
            return g.getConfiguration().getIterationCount();
        }
        return ++steps;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        check(model.score(), epoch, step(model), minibatch.getFeatures(0).size(0));
    }
}
