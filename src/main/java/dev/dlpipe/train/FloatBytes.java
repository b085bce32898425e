package dev.dlpipe.train;

/**
 * An ND4J array's float32 values as a buffer and back, each one bulk copy where the array is contiguous: how a
 * training round's states get into and out of their byte frames ({@link ParameterAveragingTrainer.Result}).
 */
final class FloatBytes {

    private FloatBytes() {
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
}
