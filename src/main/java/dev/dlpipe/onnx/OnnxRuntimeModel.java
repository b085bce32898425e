package dev.dlpipe.onnx;

import dev.dlpipe.onnx.OnnxExporter;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * An exported model loaded in ONNX Runtime (CPU, default graph optimizations, which fuse the int8 QDQ pattern into
 * integer kernels): class probabilities for rows of features, as a deployment would compute them.
 */
public final class OnnxRuntimeModel implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    public OnnxRuntimeModel(byte[] model) {
        try {
            session = env.createSession(model, new OrtSession.SessionOptions());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the exported model: " + e.getMessage(), e);
        }
        if (!List.copyOf(session.getInputNames()).equals(List.of(OnnxExporter.INPUT))) {
            throw new IllegalStateException("unexpected model inputs " + session.getInputNames());
        }
    }

    /** Probabilities [rows][classes] for {@code features}, row-major [rows, width]. */
    public float[][] predict(float[] features, int rows, int width) {
        try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {rows, width});
             OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, in))) {
            return (float[][]) r.get(OnnxExporter.OUTPUT).orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
