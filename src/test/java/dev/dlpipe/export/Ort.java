package dev.dlpipe.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.dlpipe.export.onnx.OnnxExporter;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runs an exported model in ONNX Runtime (Java) for the tests. */
public final class Ort {

    private Ort() {
    }

    /** Class probabilities for the rows of {@code x} ([N, features]). */
    public static float[][] run(byte[] model, INDArray x) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.dup('c').data().asFloat()),
                     new long[] {x.rows(), x.columns()});
             OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, in))) {
            if (!List.copyOf(session.getInputNames()).equals(List.of(OnnxExporter.INPUT))) {
                throw new AssertionError("inputs " + session.getInputNames());
            }
            return (float[][]) r.get(OnnxExporter.OUTPUT).orElseThrow().getValue();
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
