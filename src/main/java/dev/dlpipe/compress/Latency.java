package dev.dlpipe.compress;

import dev.dlpipe.onnx.OnnxRuntimeModel;
import dev.dlpipe.model.Network;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inference latency on this JVM's CPU for one row and for a batch of 256: the median of repeated calls after
 * warm-up. A slow variant (half precision is emulated on CPUs) gets fewer calls rather than holding the stage up.
 */
public final class Latency {

    static final int BATCH = 256;

    private Latency() {
    }

    /** DL4J's latency: {@code latency_ms_1}, {@code latency_ms_256}. {@code inputs}: the width of one row. */
    public static Map<String, Object> dl4j(Network net, long inputs) {
        Map<String, Object> m = new LinkedHashMap<>();
        var one = Nd4j.rand(DataType.FLOAT, 1, inputs);
        var batch = Nd4j.rand(DataType.FLOAT, BATCH, inputs);
        m.put("latency_ms_1", median(() -> net.output(one), 200));
        m.put("latency_ms_256", median(() -> net.output(batch), 20));
        return m;
    }

    /**
     * ONNX Runtime's latency for an exported model: {@code onnxruntime_latency_ms_1}, {@code _256} with its default
     * intra-op threads (one per core), and on a machine with more than one core the same with one intra-op thread
     * ({@code ..._one_thread}): what a call gets where the cores are shared out (serve's replicas, score's tasks), and
     * for one row often the faster, since a thread pool's hand-off per node can cost more than the node.
     */
    public static Map<String, Object> onnxRuntime(byte[] onnx, int inputs) {
        Map<String, Object> m = new LinkedHashMap<>();
        Random random = new Random(1);
        float[] rows = new float[BATCH * inputs];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = random.nextFloat();
        }
        float[] one = Arrays.copyOf(rows, inputs);
        boolean oneThreadToo = Runtime.getRuntime().availableProcessors() > 1;
        for (int threads : oneThreadToo ? new int[] {0, 1} : new int[] {0}) {
            String suffix = threads == 1 ? ONE_THREAD : "";
            try (OnnxRuntimeModel model = new OnnxRuntimeModel(onnx, threads);
                 OnnxRuntimeModel.Call single = model.call(one, 1, inputs);
                 OnnxRuntimeModel.Call batch = model.call(rows, BATCH, inputs)) {
                m.put("onnxruntime_latency_ms_1" + suffix, median(single::run, 2000));
                m.put("onnxruntime_latency_ms_256" + suffix, median(batch::run, 200));
            }
        }
        return m;
    }

    /** The suffix of the latency keys measured with one ONNX Runtime intra-op thread. */
    static final String ONE_THREAD = "_one_thread";

    /**
     * Median of up to {@code runs} timed calls after warm-up, fewer when they take long: about a 2 s budget each for
     * warm-up and timing, and at least one timed call (a half-precision CNN on a CPU can take 10 s a batch).
     */
    private static double median(Runnable call, int runs) {
        long budget = System.nanoTime() + 2_000_000_000L;
        call.run();
        for (int i = 0; i < Math.max(5, runs / 10) && System.nanoTime() < budget; i++) {
            call.run();
        }
        budget = System.nanoTime() + 2_000_000_000L;
        double[] ms = new double[runs];
        int n = 0;
        while (n < runs && (n < 1 || System.nanoTime() < budget)) {
            long t0 = System.nanoTime();
            call.run();
            ms[n++] = (System.nanoTime() - t0) / 1e6;
        }
        double[] done = Arrays.copyOf(ms, n);
        Arrays.sort(done);
        return Math.round(done[n / 2] * 1000) / 1000.0;
    }
}
