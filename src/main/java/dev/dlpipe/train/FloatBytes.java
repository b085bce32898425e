package dev.dlpipe.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * float[] as little-endian float32 bytes and back, each one bulk copy. What a training round ships (its starting
 * state in the task, the workers' results) travels as bytes: both of Spark's serializers write a byte[] in one
 * copy and a float[] one element at a time.
 */
final class FloatBytes {

    private FloatBytes() {
    }

    static byte[] of(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    static float[] floats(java.nio.FloatBuffer view) {
        float[] out = new float[view.remaining()];
        view.duplicate().get(out);
        return out;
    }

    /** The array's values as a buffer: its own memory when it is contiguous float32 (no copy), else a copy. */
    static java.nio.FloatBuffer view(org.nd4j.linalg.api.ndarray.INDArray a) {
        if (a == null) {
            return java.nio.FloatBuffer.allocate(0);
        }
        if (dev.dlpipe.model.Models.contiguousFloats(a)) {
            return a.data().asNioFloat().duplicate().position((int) a.offset()).limit((int) (a.offset() + a.length()))
                    .slice();
        }
        return java.nio.FloatBuffer.wrap(dev.dlpipe.model.Models.floats(a));
    }

    /** Writes the values into the array: one bulk copy when it is contiguous float32. */
    static void copy(java.nio.FloatBuffer values, org.nd4j.linalg.api.ndarray.INDArray target) {
        if (dev.dlpipe.model.Models.contiguousFloats(target) && values.remaining() == target.length()) {
            target.data().asNioFloat().duplicate().position((int) target.offset()).put(values.duplicate());
        } else {
            dev.dlpipe.model.Models.setFloats(target, floats(values));
        }
    }

    static float[] floats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
