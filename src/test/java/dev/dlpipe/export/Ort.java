package dev.dlpipe.export;

import dev.dlpipe.onnx.OnnxRuntimeModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs an exported model in ONNX Runtime (Java) for the tests. */
public final class Ort {

    private Ort() {
    }

    /** Class probabilities for the rows of {@code x} ([N, features]). */
    public static float[][] run(byte[] model, INDArray x) {
        try (OnnxRuntimeModel m = new OnnxRuntimeModel(model)) {
            return m.predict(x.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat(),
                    Math.toIntExact(x.rows()), Math.toIntExact(x.columns()));
        }
    }

    public static int argMax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
