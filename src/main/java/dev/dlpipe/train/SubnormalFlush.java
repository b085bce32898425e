package dev.dlpipe.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Sets subnormal parameters and optimizer state (|x| below 1.2e-38 in float32) to zero every {@link #EVERY}
 * minibatches. Weights that only L2 pulls on (those of always-zero pixels, dead units) and Adam moments of tiny
 * gradients decay into subnormal numbers, and on Intel CPUs every arithmetic operation on one takes a ~100-cycle
 * microcode assist: the quickstart MLP slowed from 7,468 to 3,493 samples/s between epochs 4 and 12 as a few
 * thousand weights went subnormal (docs/benchmarks.md). ND4J has no flush-to-zero switch and the JVM resets the
 * floating-point control register, so the values are cleared instead. The change to the model is below anything
 * float32 arithmetic can resolve next to a normal number; PyTorch offers the same as torch.set_flush_denormal.
 */
public final class SubnormalFlush extends AfterUpdateHook {

    static final int EVERY = 32;

    private transient long steps;

    /** Clears subnormal values in the model's parameters and its updater's state, in place. */
    public static void flush(Model model) {
        clear(model.params());
        INDArray state = model instanceof MultiLayerNetwork m ? m.getUpdater().getStateViewArray()
                : model instanceof ComputationGraph g ? g.getUpdater().getStateViewArray() : null;
        if (state != null) {
            clear(state);
        }
    }

    private static void clear(INDArray a) {
        if (a != null && a.length() > 0 && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE)) {
            double smallest = a.dataType() == DataType.FLOAT ? Float.MIN_NORMAL : Double.MIN_NORMAL;
            BooleanIndexing.replaceWhere(a, 0.0, Conditions.absLessThan(smallest));
        }
    }

    /** The same clearing for a network fitted in one JVM ({@code MultiLayerNetwork.fit}), as a DL4J listener. */
    public static org.deeplearning4j.optimize.api.TrainingListener listener() {
        return new org.deeplearning4j.optimize.api.BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration % EVERY == 0) {
                    flush(model);
                }
            }
        };
    }

    /** Every {@link #EVERY} updates of the model's own count (per-round workers start fresh hook copies). */
    private void step(Model model) {
        long updates = updates(model);
        if ((updates >= 0 ? updates : ++steps) % EVERY == 0) {
            flush(model);
        }
    }

    @Override
    protected void afterUpdate(Model model, long rows) {
        step(model);
    }
}
