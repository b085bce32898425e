package dev.dlpipe.train;

import dev.dlpipe.UserError;
import org.deeplearning4j.nn.api.Model;

/**
 * Stops training at the first minibatch whose loss is NaN or infinite, on the executor that saw it, naming the
 * epoch and the step. Without it a diverged run (too high a learning rate, extreme inputs) trained on for whole
 * epochs and failed later inside DL4J's evaluation without saying why. It runs right after each update, before the
 * caller's hooks, and knows which route made the update: DL4J's fit leaves the minibatch's loss as the model's
 * score; a {@link FusedAdamStep} computes no score and says only whether the loss was finite.
 */
final class FiniteLossCheck implements java.io.Serializable {

    private final int epoch;
    private transient long steps;

    FiniteLossCheck(int epoch) {
        this.epoch = epoch;
    }

    /** The check itself, for any model that has just fitted a minibatch of {@code rows} rows. */
    static void check(double loss, int epoch, long step, long rows) {
        if (!Double.isFinite(loss)) {
            fail(String.valueOf(loss), epoch, step, rows);
        }
    }

    private static void fail(String loss, int epoch, long step, long rows) {
        throw new UserError("training diverged: the loss became " + loss + " in epoch " + epoch + " at training"
                + " step " + step + " (" + rows + " rows); lower train.learning-rate, or look for extreme or"
                + " non-finite values in the training data");
    }

    /** After DL4J's fit: its score is the minibatch's loss. */
    void afterFit(Model model, long rows) {
        check(model.score(), epoch, step(model), rows);
    }

    /** After a {@link FusedAdamStep}, which left the model unchanged if the loss was not finite. */
    void afterFusedStep(Model model, long rows, boolean finite) {
        if (!finite) {
            // the step that would have been: the fused step counts only the updates it made
            fail("NaN or infinite (so did the network's output)", epoch, AfterUpdateHook.updates(model) + 1, rows);
        }
    }

    /** The run's step where the model counts its updates, else this check's own count. */
    private long step(Model model) {
        long updates = AfterUpdateHook.updates(model);
        return updates >= 0 ? updates : ++steps;
    }
}
