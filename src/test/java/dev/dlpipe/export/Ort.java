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

    /**
     * The operators ONNX Runtime runs for {@code model} after its graph optimizations (all levels), by type and
     * count: read back from the optimized model it writes, so a test sees which kernels a layout turns into.
     */
    public static java.util.Map<String, Integer> optimizedOperators(byte[] model) throws Exception {
        java.nio.file.Path out = java.nio.file.Files.createTempFile("dlpipe-optimized", ".onnx");
        ai.onnxruntime.OrtEnvironment env = dev.dlpipe.onnx.OnnxRuntimeEnvironment.get(); // before any other ORT class
        try (ai.onnxruntime.OrtSession.SessionOptions o = new ai.onnxruntime.OrtSession.SessionOptions()) {
            o.setOptimizationLevel(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setOptimizedModelFilePath(out.toString());
            env.createSession(model, o).close();
            return opTypes(java.nio.file.Files.readAllBytes(out));
        } finally {
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    /** Node op types of an ONNX ModelProto: graph = field 7, its nodes = field 1, a node's op_type = field 4. */
    static java.util.Map<String, Integer> opTypes(byte[] model) {
        java.util.Map<String, Integer> ops = new java.util.TreeMap<>();
        for (java.nio.ByteBuffer graph : fields(java.nio.ByteBuffer.wrap(model), 7)) {
            for (java.nio.ByteBuffer node : fields(graph, 1)) {
                for (java.nio.ByteBuffer op : fields(node, 4)) {
                    byte[] b = new byte[op.remaining()];
                    op.get(b);
                    ops.merge(new String(b, java.nio.charset.StandardCharsets.UTF_8), 1, Integer::sum);
                }
            }
        }
        return ops;
    }

    /** The length-delimited fields numbered {@code number} in one protobuf message. */
    private static java.util.List<java.nio.ByteBuffer> fields(java.nio.ByteBuffer message, int number) {
        java.util.List<java.nio.ByteBuffer> out = new java.util.ArrayList<>();
        java.nio.ByteBuffer b = message.duplicate();
        while (b.hasRemaining()) {
            long key = varint(b);
            int wire = (int) (key & 7);
            switch (wire) {
                case 0 -> varint(b);
                case 1 -> b.position(b.position() + 8);
                case 5 -> b.position(b.position() + 4);
                case 2 -> {
                    int len = (int) varint(b);
                    if ((key >>> 3) == number) {
                        out.add(b.slice(b.position(), len));
                    }
                    b.position(b.position() + len);
                }
                default -> throw new IllegalStateException("protobuf wire type " + wire);
            }
        }
        return out;
    }

    private static long varint(java.nio.ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            byte x = b.get();
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) {
                return v;
            }
        }
    }

    public static int argMax(float[] v) {
        return dev.dlpipe.model.Probabilities.argMax(v);
    }
}
