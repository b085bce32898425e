package dev.dlpipe.train;

import java.nio.FloatBuffer;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * One minibatch update of a MultiLayerNetwork trained by {@link OnePassAdam}, giving the parameters and Adam state
 * DL4J's {@code fit} gives, bit for bit, in 0.6-0.8 of its time (docs/benchmarks.md, issue 13). What it
 * leaves out is what {@code fit} spends beside the gradient:
 * <ul>
 *   <li>the score. {@code fit} computes the loss of every minibatch for its listeners: the output layer once more
 *   and the L2 term's norm of every weight array (libnd4j reduces 269 k floats in 0.25 ms, about 1 ns each), about
 *   0.7 ms of a 3 ms quickstart step. The divergence check needs only whether the loss is finite, and for a softmax
 *   output with cross-entropy it is exactly when the output layer's bias gradient (the sum over rows of
 *   probabilities minus labels) is: DL4J clips the probabilities before the logarithm, so only NaN or infinite
 *   activations or labels make either non-finite.</li>
 *   <li>four passes over every parameter. DL4J divides the gradient by the minibatch size, adds the L2 term, runs
 *   the updater and subtracts, each a separate op over the whole 1 MB gradient; here one Java loop over L1-sized
 *   chunks does all four ({@link OnePassAdam.Updater#updateParameters}).</li>
 * </ul>
 * The gradient itself is DL4J's own ({@code MultiLayerNetwork.calculateGradients}, the forward and backward passes of
 * {@code fit}). Networks this does not cover (a ComputationGraph, other updaters or regularization, gradient
 * normalization, frozen layers, listeners, another output) go through {@code fit}; {@link #refusal} says why.
 */
public final class FusedAdamStep {

    private FusedAdamStep() {
    }

    /** Why {@code model}'s updates cannot take this step (they then go through DL4J's fit), or null when they can. */
    public static String refusal(Model model) {
        if (!(model instanceof MultiLayerNetwork net)) {
            return "not a MultiLayerNetwork";
        }
        if (!net.getListeners().isEmpty()) {
            return "the network has DL4J listeners, which fit calls";
        }
        if (net.getLayerWiseConfigurations().getBackpropType() != BackpropType.Standard) {
            return "truncated backpropagation through time";
        }
        if (net.params().dataType() != DataType.FLOAT) {
            return "parameters in " + net.params().dataType() + ", not float32";
        }
        for (Layer l : net.getLayers()) {
            if (l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop) {
                return "frozen layer " + l.getIndex();
            }
            if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b
                    && b.getGradientNormalization() != null && b.getGradientNormalization() != GradientNormalization.None) {
                return "gradient normalization " + b.getGradientNormalization() + " on layer " + l.getIndex();
            }
        }
        if (!(net.getOutputLayer().conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.OutputLayer out)
                || !(out.getLossFn() instanceof LossMCXENT) || !(out.getActivationFn() instanceof ActivationSoftmax)
                || !out.hasBias()) {
            return "the output layer is not softmax with cross-entropy and a bias";
        }
        if (!(net.getUpdater() instanceof BaseMultiLayerUpdater<?> updater)) {
            return "updater " + net.getUpdater().getClass().getSimpleName();
        }
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (!(block.getGradientUpdater() instanceof OnePassAdam.Updater adam) || !adam.hasFloatState()) {
                return "updater " + block.getGradientUpdater().getClass().getSimpleName() + " is not OnePassAdam";
            }
            for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                String why = paramRefusal(p);
                if (why != null) {
                    return why;
                }
            }
        }
        return null;
    }

    private static String paramRefusal(UpdaterBlock.ParamState p) {
        Trainable layer = p.getLayer();
        String name = layer.getConfig().getLayerName() + "/" + p.getParamName();
        List<Regularization> regs = layer.getConfig().getRegularizationByParam(p.getParamName());
        if (regs != null && (regs.size() > 1 || (regs.size() == 1 && regs.get(0).getClass() != L2Regularization.class))) {
            return "regularization " + regs + " on " + name + " (only L2 is fused)";
        }
        if (!layer.updaterDivideByMinibatch(p.getParamName()) || layer.getConfig().isPretrainParam(p.getParamName())) {
            return "parameter " + name + " is not updated by its minibatch gradient";
        }
        if (!OnePassAdam.Updater.contiguousFloats(p.getParamView(), p.getGradView())) {
            return "parameter " + name + " is not a contiguous float32 view";
        }
        return null;
    }

    /**
     * One update of {@code net} on {@code minibatch}, when {@link #refusal} is null. Returns false, having changed
     * nothing, when the network's output (so its loss) is not finite on this minibatch.
     */
    public static boolean fit(MultiLayerNetwork net, DataSet minibatch) {
        int iteration = net.getLayerWiseConfigurations().getIterationCount();
        int epoch = net.getLayerWiseConfigurations().getEpochCount();
        countsToLayers(net, iteration, epoch); // dropout and other schedules read the layers' own counts, as in fit
        Gradient gradient = net.calculateGradients(minibatch.getFeatures(), minibatch.getLabels(),
                minibatch.getFeaturesMaskArray(), minibatch.getLabelsMaskArray()).getFirst();
        boolean finite = allFinite(gradient.getGradientFor((net.getLayers().length - 1) + "_b"));
        if (finite) {
            float batch = (float) minibatch.getFeatures().size(0);
            BaseMultiLayerUpdater<?> updater = (BaseMultiLayerUpdater<?>) net.getUpdater();
            for (UpdaterBlock block : updater.getUpdaterBlocks()) {
                OnePassAdam.Updater adam = (OnePassAdam.Updater) block.getGradientUpdater();
                for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
                    int n = p.getParamOffsetEnd() - p.getParamOffsetStart();
                    adam.updateParameters(floats(p.getGradView()), floats(p.getParamView()), n,
                            p.getParamOffsetStart() - block.getParamOffsetStart(), batch,
                            l2(p, iteration, epoch), iteration, epoch);
                }
            }
            net.getLayerWiseConfigurations().setIterationCount(iteration + 1);
            net.applyConstraints(iteration + 1, epoch);
        }
        net.clearLayerMaskArrays();
        net.clearLayersStates();
        countsToLayers(net, net.getLayerWiseConfigurations().getIterationCount(), epoch);
        return finite;
    }

    /** The parameter's L2 coefficient at this step, as DL4J's L2Regularization applies it; 0 without one. */
    private static float l2(UpdaterBlock.ParamState p, int iteration, int epoch) {
        List<Regularization> regs = p.getLayer().getConfig().getRegularizationByParam(p.getParamName());
        if (regs == null || regs.isEmpty()) {
            return 0f;
        }
        return (float) ((L2Regularization) regs.get(0)).getL2().valueAt(iteration, epoch);
    }

    private static void countsToLayers(MultiLayerNetwork net, int iteration, int epoch) {
        for (Layer l : net.getLayers()) {
            l.setIterationCount(iteration);
            l.setEpochCount(epoch);
        }
    }

    private static boolean allFinite(INDArray a) {
        for (float x : a.toFloatVector()) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    private static FloatBuffer floats(INDArray a) {
        return OnePassAdam.Updater.floats(a);
    }
}
