package dev.dlpipe.train;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Adam with ND4J's arithmetic and state layout (the view holds m, then v; the bias correction is folded into the
 * step size), computed in one pass over the gradient, m and v by a Java loop instead of libnd4j's
 * {@code adam_updater} op. Why: that op costs about 15 ns per parameter on one thread in nd4j-native 1.0.0-M2
 * (4 ms a step for the 270 k-parameter quickstart MLP, the largest single cost of a batch-32 step, measured in
 * docs/benchmarks.md), where the loop takes under 1 ns. Arrays that are not contiguous float32 (half precision
 * training, odd views) take ND4J's op, so the result never depends on which path ran beyond float rounding.
 *
 * <p>Configuration is a Jackson bean like ND4J's own updaters, so networks with it survive the configuration
 * JSON, parameter averaging and model zips (which then need dlpipe's classes to load, as text models' zips already
 * do for their preprocessor).
 */
public final class OnePassAdam implements IUpdater {

    private double learningRate = 1e-3;
    private ISchedule learningRateSchedule;
    private double beta1 = Adam.DEFAULT_ADAM_BETA1_MEAN_DECAY;
    private double beta2 = Adam.DEFAULT_ADAM_BETA2_VAR_DECAY;
    private double epsilon = Adam.DEFAULT_ADAM_EPSILON;

    public OnePassAdam() {
    }

    public OnePassAdam(double learningRate, double beta1, double beta2, double epsilon) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public long stateSize(long numParams) {
        return 2 * numParams;
    }

    @Override
    public GradientUpdater<OnePassAdam> instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        // the view holds m and v: the gradient is half of it (a [1, 2n] row, as ND4J's Adam reads it)
        long[] shape = viewArray.shape().clone();
        shape[shape.length - 1] /= 2;
        u.setStateViewArray(viewArray, shape, viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater<OnePassAdam> instantiate(Map<String, INDArray> state, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(state, initializeStateArrays);
        return u;
    }

    @Override
    public OnePassAdam clone() {
        OnePassAdam c = new OnePassAdam(learningRate, beta1, beta2, epsilon);
        c.learningRateSchedule = learningRateSchedule == null ? null : learningRateSchedule.clone();
        return c;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    public void setLearningRateSchedule(ISchedule learningRateSchedule) {
        this.learningRateSchedule = learningRateSchedule;
    }

    public double getBeta1() {
        return beta1;
    }

    public void setBeta1(double beta1) {
        this.beta1 = beta1;
    }

    public double getBeta2() {
        return beta2;
    }

    public void setBeta2(double beta2) {
        this.beta2 = beta2;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public void setEpsilon(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OnePassAdam a && a.learningRate == learningRate && a.beta1 == beta1 && a.beta2 == beta2
                && a.epsilon == epsilon && Objects.equals(a.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon);
    }

    @Override
    public String toString() {
        return "OnePassAdam(learningRate=" + learningRate + ", schedule=" + learningRateSchedule + ", beta1=" + beta1
                + ", beta2=" + beta2 + ", epsilon=" + epsilon + ")";
    }

    /** The per-network state: m and v as views of the updater's state array, as ND4J's AdamUpdater keeps them. */
    static final class Updater implements GradientUpdater<OnePassAdam> {
        private final OnePassAdam config;
        private INDArray m;
        private INDArray v;
        /** Elements per chunk: three chunks (24 KB) fit a 32 KB L1 data cache with room to spare. */
        static final int CHUNK = 2048;
        private final float[] scratchG = new float[CHUNK];
        private final float[] scratchM = new float[CHUNK];
        private final float[] scratchV = new float[CHUNK];
        private final float[] scratchW = new float[CHUNK];

        Updater(OnePassAdam config) {
            this.config = config;
        }

        @Override
        public OnePassAdam getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            if (!state.containsKey("M") || !state.containsKey("V") || state.size() != 2) {
                throw new IllegalStateException("Adam state needs M and V, got " + state.keySet());
            }
            m = state.get("M");
            v = state.get("V");
            if (initialize) {
                m.assign(0);
                v.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of("M", m, "V", v);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder,
                                      boolean initialize) {
            if (!viewArray.isRowVector()) {
                throw new IllegalArgumentException("the Adam state must be a row vector, got "
                        + java.util.Arrays.toString(viewArray.shape()));
            }
            if (initialize) {
                viewArray.assign(0);
            }
            long half = viewArray.length() / 2;
            INDArray flat = viewArray.reshape(viewArray.length());
            m = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, half)).reshape(gradientOrder, gradientShape);
            v = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(half, 2 * half))
                    .reshape(gradientOrder, gradientShape);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (m == null || v == null) {
                throw new IllegalStateException("Adam state not set");
            }
            double lr = config.getLearningRate(iteration, epoch);
            double b1 = config.beta1;
            double b2 = config.beta2;
            double eps = config.epsilon;
            if (!contiguousFloats(gradient, m, v)) {
                org.nd4j.linalg.factory.Nd4j.exec(new org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater(
                        gradient, v, m, lr, b1, b2, eps, iteration));
                return;
            }
            update(floats(gradient), floats(m), floats(v), (int) gradient.length(), (float) b1, (float) b2,
                    stepSize(iteration, epoch), (float) eps);
        }

        /** ND4J's step: lr * sqrt(1 - b2^t) / (1 - b1^t), t = iteration + 1, and epsilon if that is not a number. */
        private float stepSize(int iteration, int epoch) {
            double lr = config.getLearningRate(iteration, epoch);
            double stepSize = lr * Math.sqrt(1 - Math.pow(config.beta2, iteration + 1))
                    / (1 - Math.pow(config.beta1, iteration + 1));
            if (!Double.isFinite(stepSize) || stepSize == 0) {
                stepSize = config.epsilon;
            }
            return (float) stepSize;
        }

        /** True when m and v are float32 views this updater's loops can read ({@link FusedAdamStep} asks). */
        boolean hasFloatState() {
            return m != null && v != null && contiguousFloats(m, v);
        }

        /**
         * The whole update of {@code n} parameters of this updater's block in one pass: each gradient divided by
         * {@code batch}, plus {@code l2} times the parameter (L2 regularization, none where it is 0), through Adam,
         * subtracted from the parameter. DL4J does the same in four passes over memory (its minibatch division, L2,
         * this updater, its step function); this is that arithmetic in float, in that order, so the bits are the same
         * (FusedAdamStepTest). {@code g} and {@code w} start at the range, {@code at} is where it starts in m and v.
         */
        void updateParameters(FloatBuffer g, FloatBuffer w, int n, int at, float batch, float l2, int iteration,
                              int epoch) {
            float step = stepSize(iteration, epoch);
            float b1 = (float) config.beta1;
            float b2 = (float) config.beta2;
            float eps = (float) config.epsilon;
            FloatBuffer mb = floats(m);
            FloatBuffer vb = floats(v);
            int g0 = g.position();
            int w0 = w.position();
            int m0 = mb.position() + at;
            int v0 = vb.position() + at;
            float[] gs = scratchG;
            float[] ws = scratchW;
            float[] ms = scratchM;
            float[] vs = scratchV;
            for (int from = 0; from < n; from += CHUNK) {
                int len = Math.min(CHUNK, n - from);
                g.get(g0 + from, gs, 0, len);
                w.get(w0 + from, ws, 0, len);
                mb.get(m0 + from, ms, 0, len);
                vb.get(v0 + from, vs, 0, len);
                if (l2 == 0) {
                    divide(gs, len, batch);
                } else {
                    divideAddL2(gs, ws, len, batch, l2);
                }
                step(gs, ms, vs, len, b1, b2, step, eps);
                subtract(ws, gs, len);
                w.put(w0 + from, ws, 0, len);
                mb.put(m0 + from, ms, 0, len);
                vb.put(v0 + from, vs, 0, len);
            }
        }

        private static void divide(float[] g, int n, float batch) {
            for (int i = 0; i < n; i++) {
                g[i] = g[i] / batch;
            }
        }

        /** g / batch + l2 w: DL4J's division, then its L2 term (an axpy; not fused into one rounding here or there). */
        private static void divideAddL2(float[] g, float[] w, int n, float batch, float l2) {
            for (int i = 0; i < n; i++) {
                g[i] = g[i] / batch + l2 * w[i];
            }
        }

        private static void subtract(float[] w, float[] update, int n) {
            for (int i = 0; i < n; i++) {
                w[i] = w[i] - update[i];
            }
        }

        /**
         * The loop itself, a chunk at a time. Each chunk of the three buffers is copied into small Java arrays
         * (bulk copies run at memory speed) because C2 vectorizes a loop over float[] with SIMD multiply, sqrt and
         * divide, and does not over direct buffers' indexed get/put: 0.2 ms against 2 ms a step for the quickstart
         * MLP, measured. Chunks stay in the L1 cache between the copy in, the arithmetic and the copy out, where
         * whole-array copies went through the caches three times: 0.67 to 0.39 ms a step of the quickstart MLP's
         * 269,322 parameters when they are in cache (docs/benchmarks.md; inside training they mostly come from
         * memory, and the step costs the same either way). Element by element, so no bit depends on the chunk size.
         */
        void update(FloatBuffer g, FloatBuffer m, FloatBuffer v, int n, float b1, float b2, float step, float eps) {
            float[] gs = scratchG;
            float[] ms = scratchM;
            float[] vs = scratchV;
            int g0 = g.position();
            int m0 = m.position();
            int v0 = v.position();
            for (int from = 0; from < n; from += CHUNK) {
                int len = Math.min(CHUNK, n - from);
                g.get(g0 + from, gs, 0, len);
                m.get(m0 + from, ms, 0, len);
                v.get(v0 + from, vs, 0, len);
                step(gs, ms, vs, len, b1, b2, step, eps);
                g.put(g0 + from, gs, 0, len);
                m.put(m0 + from, ms, 0, len);
                v.put(v0 + from, vs, 0, len);
            }
        }

        /** m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; g = step m / (sqrt(v) + eps), element by element. */
        static void step(float[] g, float[] m, float[] v, int n, float b1, float b2, float step, float eps) {
            float oneMinusB1 = 1 - b1;
            float oneMinusB2 = 1 - b2;
            for (int i = 0; i < n; i++) {
                float grad = g[i];
                float mi = b1 * m[i] + grad * oneMinusB1;
                float vi = b2 * v[i] + grad * grad * oneMinusB2;
                float update = mi * step / ((float) Math.sqrt(vi) + eps);
                m[i] = mi;
                v[i] = vi;
                g[i] = update;
            }
        }

        static boolean contiguousFloats(INDArray... arrays) {
            long n = arrays[0].length();
            for (INDArray a : arrays) {
                if (a.dataType() != DataType.FLOAT || a.length() != n || n > Integer.MAX_VALUE
                        || a.elementWiseStride() != 1 || a.ordering() != arrays[0].ordering()
                        || a.data().asNioFloat().capacity() - a.offset() < n) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The array's elements as a direct FloatBuffer positioned at its first element: nd4j-native's buffer of a
         * view is the whole underlying allocation, and the view starts {@code offset()} elements into it.
         */
        static FloatBuffer floats(INDArray a) {
            return a.data().asNioFloat().position((int) a.offset());
        }
    }
}
