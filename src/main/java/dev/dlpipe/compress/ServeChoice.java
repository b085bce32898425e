package dev.dlpipe.compress;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which ONNX file to serve, FP32 or int8, decided from what compress measured on this machine rather than assumed:
 * int8 is named only where ONNX Runtime ran it measurably faster ({@link #FASTER}: at most 0.9x the FP32
 * latency) and its test accuracy is within {@link #MAX_ACCURACY_DROP} of the FP32 model it was made from. On a CPU
 * without fast integer kernels, or for one row at a time, int8 can be slower than FP32 (ONNX Runtime's own
 * quantize_static model too, docs/benchmarks.md), so each regime gets its own answer with the numbers behind it.
 *
 * @param singleRow the variant for one row per call ("int8" or "fp32")
 * @param batch     the variant for batches of {@link Latency#BATCH} rows
 * @param serve     the one to serve by default: int8 when it wins on batches and costs at most 10% at one row
 * @param why       one sentence with the measured latencies and accuracies
 */
public record ServeChoice(String singleRow, String batch, String serve, String why) {

    /** The key under which the one-thread choice nests in the report's and the export manifest's "serve". */
    public static final String ONE_THREAD = "one_thread";

    static final double FASTER = 0.9;
    static final double SINGLE_ROW_TOLERANCE = 1.1;
    static final double MAX_ACCURACY_DROP = 0.01;

    /**
     * {@code fp32} and {@code int8}: the compression report's rows for the same network in FP32 ONNX and int8 ONNX
     * ({@code onnxruntime_latency_ms_1}, {@code onnxruntime_latency_ms_256}, {@code test_accuracy}).
     */
    public static ServeChoice of(Map<String, Object> fp32, Map<String, Object> int8) {
        return of(fp32, int8, "", "ONNX Runtime on this CPU");
    }

    /**
     * The same choice from the latencies measured with one intra-op thread (the report's {@code ..._one_thread}
     * keys), or null where there are none (a one-core machine).
     */
    public static ServeChoice withOneThread(Map<String, Object> fp32, Map<String, Object> int8) {
        String key = "onnxruntime_latency_ms_1" + Latency.ONE_THREAD;
        if (!fp32.containsKey(key) || !int8.containsKey(key)) {
            return null;
        }
        return of(fp32, int8, Latency.ONE_THREAD, "ONNX Runtime on one thread of this CPU");
    }

    private static ServeChoice of(Map<String, Object> fp32, Map<String, Object> int8, String suffix, String regime) {
        double f1 = number(fp32, "onnxruntime_latency_ms_1" + suffix);
        double fN = number(fp32, "onnxruntime_latency_ms_256" + suffix);
        double q1 = number(int8, "onnxruntime_latency_ms_1" + suffix);
        double qN = number(int8, "onnxruntime_latency_ms_256" + suffix);
        Double fAcc = fp32.get("test_accuracy") instanceof Number n ? n.doubleValue() : null;
        Double qAcc = int8.get("test_accuracy") instanceof Number n ? n.doubleValue() : null;
        boolean accurate = fAcc == null || qAcc == null || qAcc >= fAcc - MAX_ACCURACY_DROP;
        String single = accurate && q1 <= FASTER * f1 ? "int8" : "fp32";
        String batch = accurate && qN <= FASTER * fN ? "int8" : "fp32";
        String serve = batch.equals("int8") && q1 <= SINGLE_ROW_TOLERANCE * f1 ? "int8" : "fp32";
        String accuracy = fAcc == null || qAcc == null ? "no test split to compare accuracy"
                : String.format(Locale.ROOT, "test accuracy %.4f int8 vs %.4f fp32%s", qAcc, fAcc,
                accurate ? "" : " (more than 1 point lower: fp32 everywhere)");
        String why = String.format(Locale.ROOT, "%s: int8 %.3f ms vs fp32 %.3f ms for 1 row"
                        + " (%.2fx), %.3f ms vs %.3f ms for %d rows (%.2fx); %s", regime, q1, f1, q1 / f1, qN, fN,
                Latency.BATCH, qN / fN, accuracy);
        return new ServeChoice(single, batch, serve, why);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("serve", serve);
        m.putAll(regimes());
        return m;
    }

    /** The variant per regime and why, without the default: how one thread's choice nests in the report. */
    public Map<String, Object> regimes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("single_row", singleRow);
        m.put("batch_" + Latency.BATCH, batch);
        m.put("why", why);
        return m;
    }

    private static double number(Map<String, Object> row, String key) {
        Object v = row.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("compression report row " + row.get("variant") + " has no " + key);
        }
        return n.doubleValue();
    }
}
