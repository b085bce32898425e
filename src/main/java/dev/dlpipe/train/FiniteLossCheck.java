package dev.dlpipe.train;

import dev.dlpipe.UserError;
import org.deeplearning4j.nn.api.Model;

/**
 * Stops training at the first minibatch whose loss is NaN or infinite, on the executor that saw it, naming the
 * epoch and the step. Without it a diverged run (too high a learning rate, extreme inputs) trained on for whole
 * epochs and failed later inside DL4J's evaluation without saying why.
 */
public final class FiniteLossCheck extends AfterUpdateHook {

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
    protected void afterUpdate(Model model, long rows) {
        check(model.score(), epoch, step(model), rows);
    }

    /** The run's step where the model counts its updates, else this hook's own count. */
    private long step(Model model) {
        long updates = updates(model);
        return updates >= 0 ? updates : ++steps;
    }
}
