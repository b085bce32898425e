package dev.dlpipe.model;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.preprocessor.BaseInputPreProcessor;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Token ids as the shards hold them, [N, L], to the [N, 1, L] sequence DL4J's MaskZeroLayer needs to find the
 * padding (id 0) and zero its embeddings. A reshape both ways; the ONNX export keeps the ids 2-D instead.
 */
public final class TokenIdsToSequence extends BaseInputPreProcessor {

    private final int length;

    public TokenIdsToSequence(@JsonProperty("length") int length) {
        this.length = length;
    }

    public int getLength() {
        return length;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr mgr) {
        if (input.rank() == 3) {
            return input;
        }
        return mgr.leverageTo(ArrayType.ACTIVATIONS, input.dup('c').reshape('c', input.size(0), 1, input.size(1)));
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr mgr) {
        if (output == null) {
            return null; // an embedding passes no gradient to its ids
        }
        return mgr.leverageTo(ArrayType.ACTIVATION_GRAD, output.dup('c').reshape('c', output.size(0), output.size(2)));
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return InputType.recurrent(1, length);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public TokenIdsToSequence clone() {
        return new TokenIdsToSequence(length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenIdsToSequence t && t.length == length;
    }

    @Override
    public int hashCode() {
        return length;
    }
}
