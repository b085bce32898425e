package dev.dlpipe.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServeChoiceTest {

    private static Map<String, Object> row(double one, double batch, Double accuracy) {
        Map<String, Object> m = new HashMap<>();
        m.put("onnxruntime_latency_ms_1", one);
        m.put("onnxruntime_latency_ms_256", batch);
        m.put("test_accuracy", accuracy);
        return m;
    }

    @Test
    void int8OnlyWhereItWasMeasuredFaster() {
        // this VM's figures: no gain for one row, 2.6x for batches -> serve int8, but single rows keep fp32
        ServeChoice c = ServeChoice.of(row(0.026, 0.79, 0.9613), row(0.026, 0.30, 0.9621));
        assertEquals("fp32", c.singleRow());
        assertEquals("int8", c.batch());
        assertEquals("int8", c.serve(), "equal at one row, faster on batches");
        assertTrue(c.why().contains("0.026 ms vs fp32 0.026 ms for 1 row"), c.why());

        ServeChoice slowSingle = ServeChoice.of(row(0.019, 0.81, 0.9613), row(0.026, 0.34, 0.9621));
        assertEquals("fp32", slowSingle.serve(), "37% slower for one row is too much to serve by default");
        assertEquals("int8", slowSingle.batch());

        ServeChoice noVnni = ServeChoice.of(row(0.02, 0.8, 0.96), row(0.03, 1.1, 0.96));
        assertEquals("fp32", noVnni.serve());
        assertEquals("fp32", noVnni.batch());
    }

    @Test
    void int8ThatLosesAccuracyIsNeverServed() {
        ServeChoice c = ServeChoice.of(row(0.05, 0.8, 0.96), row(0.02, 0.3, 0.94));
        assertEquals("fp32", c.serve());
        assertEquals("fp32", c.singleRow());
        assertEquals("fp32", c.batch());
        assertTrue(c.why().contains("more than 1 point lower"), c.why());
        // no test split: latency alone decides
        assertEquals("int8", ServeChoice.of(row(0.05, 0.8, null), row(0.02, 0.3, null)).serve());
    }

    @Test
    void oneIntraOpThreadGetsItsOwnChoiceFromItsOwnLatencies() {
        // this AMD machine's figures: two threads make fp32 fast at one row, one thread does not
        Map<String, Object> fp32 = row(0.0153, 0.682, 0.9613);
        Map<String, Object> int8 = row(0.0138, 0.212, 0.9613);
        assertEquals(null, ServeChoice.withOneThread(fp32, int8), "no one-thread measurement: no choice");
        fp32.put("onnxruntime_latency_ms_1_one_thread", 0.0222);
        fp32.put("onnxruntime_latency_ms_256_one_thread", 1.254);
        int8.put("onnxruntime_latency_ms_1_one_thread", 0.0137);
        int8.put("onnxruntime_latency_ms_256_one_thread", 0.388);
        ServeChoice all = ServeChoice.of(fp32, int8);
        ServeChoice one = ServeChoice.withOneThread(fp32, int8);
        assertEquals("fp32", all.singleRow(), "0.90x is not faster");
        assertEquals("int8", one.singleRow(), "0.62x on one thread");
        assertEquals("int8", one.batch());
        assertTrue(one.why().startsWith("ONNX Runtime on one thread of this CPU: int8 0.014 ms vs fp32 0.022 ms"),
                one.why());
        assertEquals(java.util.List.of("single_row", "batch_256", "why"), java.util.List.copyOf(one.regimes().keySet()));
        assertEquals(java.util.List.of("serve", "single_row", "batch_256", "why"),
                java.util.List.copyOf(all.toMap().keySet()));
    }
}
