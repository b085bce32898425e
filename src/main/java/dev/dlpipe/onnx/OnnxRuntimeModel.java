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

    private final OrtEnvironment env = OnnxRuntimeEnvironment.get();
    private final OrtSession session;
    private final boolean tokenIds;

    public OnnxRuntimeModel(byte[] model) {
        this(model, 0);
    }

    /** With {@code intraOpThreads} threads per call (0: ONNX Runtime's default, one per core). */
    public OnnxRuntimeModel(byte[] model, int intraOpThreads) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            session = env.createSession(model, options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the exported model: " + e.getMessage(), e);
        }
        List<String> inputs = List.copyOf(session.getInputNames());
        tokenIds = inputs.equals(List.of(OnnxExporter.TOKEN_INPUT));
        if (!tokenIds && !inputs.equals(List.of(OnnxExporter.INPUT))) {
            throw new IllegalStateException("unexpected model inputs " + session.getInputNames());
        }
    }

    /**
     * Probabilities [rows][classes] for {@code features}, row-major [rows, width]: the packed values, which for a
     * text model are token ids held as floats (they go in as int64, the model's input type).
     */
    public float[][] predict(float[] features, int rows, int width) {
        try (OnnxTensor in = tokenIds ? OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(asLongs(features)),
                new long[] {rows, width}) : OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {rows, width});
             OrtSession.Result r = session.run(Map.of(tokenIds ? OnnxExporter.TOKEN_INPUT : OnnxExporter.INPUT, in))) {
            return (float[][]) r.get(OnnxExporter.OUTPUT).orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /**
     * Probabilities for float rows already in a direct buffer in native order (no copy on the way in), for models
     * that take floats ({@link #takesTokenIds()} false).
     */
    public float[][] predict(FloatBuffer direct, int rows, int width) {
        if (tokenIds || !direct.isDirect()) {
            throw new IllegalArgumentException("direct float rows are for float models, in a direct buffer");
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, direct, new long[] {rows, width});
             OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, in))) {
            return (float[][]) r.get(OnnxExporter.OUTPUT).orElseThrow().getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    public boolean takesTokenIds() {
        return tokenIds;
    }

    /**
     * A call that runs the session on these rows, with the input tensor made once: what a latency measurement times
     * (the model, not the copy of a Java array into a native tensor). Close it when done.
     */
    public Call call(float[] features, int rows, int width) {
        try {
            OnnxTensor in = tokenIds ? OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(asLongs(features)),
                    new long[] {rows, width}) : OnnxTensor.createTensor(env, FloatBuffer.wrap(features),
                    new long[] {rows, width});
            Map<String, OnnxTensor> inputs = Map.of(tokenIds ? OnnxExporter.TOKEN_INPUT : OnnxExporter.INPUT, in);
            return new Call(session, in, inputs);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    /** One prepared run: {@link #run()} as often as needed, then {@link #close()}. */
    public record Call(OrtSession session, OnnxTensor tensor, Map<String, OnnxTensor> inputs) implements AutoCloseable {
        public void run() {
            try (OrtSession.Result r = session.run(inputs)) {
                r.get(0);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            tensor.close();
        }
    }

    private static long[] asLongs(float[] ids) {
        long[] out = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (long) ids[i];
        }
        return out;
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
