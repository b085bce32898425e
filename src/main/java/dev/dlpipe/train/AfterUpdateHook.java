package dev.dlpipe.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A training hook that acts once after every minibatch update, whatever form the minibatch took: DL4J's hook
 * interface has four methods (before and after, DataSet and MultiDataSet), and ours only ever need the one.
 */
public abstract class AfterUpdateHook implements TrainingHook {

    /**
     * The model's own count of updates (its configuration's iteration count: the run's step, the same on every
     * worker of an averaging round), or -1 for a model that has none.
     */
    protected static long updates(Model model) {
        if (model instanceof org.deeplearning4j.nn.multilayer.MultiLayerNetwork m) {
            return m.getLayerWiseConfigurations().getIterationCount();
        }
        if (model instanceof org.deeplearning4j.nn.graph.ComputationGraph g) {
            return g.getConfiguration().getIterationCount();
        }
        return -1;
    }

    /** Called on the worker after {@code model} fitted a minibatch of {@code rows} rows. */
    protected abstract void afterUpdate(Model model, long rows);

    @Override
    public final void preUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public final void postUpdate(DataSet minibatch, Model model) {
        afterUpdate(model, minibatch == null ? 0 : minibatch.numExamples()); // callers may pass none
    }

    @Override
    public final void preUpdate(MultiDataSet minibatch, Model model) {
    }

    @Override
    public final void postUpdate(MultiDataSet minibatch, Model model) {
        afterUpdate(model, minibatch == null ? 0 : minibatch.getFeatures(0).size(0));
    }
}
