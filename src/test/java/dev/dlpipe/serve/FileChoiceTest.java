package dev.dlpipe.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** serve.variant=auto takes the export manifest's measured file for the batch size and the threads per call. */
class FileChoiceTest {

    private static final Map<String, Object> MANIFEST = Map.of("serve", Map.of(
            "file", "model-int8.onnx", "single_row", "model.onnx", "batch_256", "model-int8.onnx",
            "why", "measured on all cores",
            "one_thread", Map.of("single_row", "model-int8.onnx", "batch_256", "model-int8.onnx",
                    "why", "measured on one thread")));

    private static ServeSettings settings(int maxBatch, int replicas, int intraOpThreads, String variant) {
        return new ServeSettings("127.0.0.1", 0, maxBatch, 1, replicas, 8, 65_536, variant, intraOpThreads, 4);
    }

    @Test
    void singleRowsOnOneThreadTakeTheOneThreadMeasurement() {
        ServedModel.FileChoice c = ServedModel.FileChoice.of(MANIFEST, settings(1, 1, 1, "auto"));
        assertEquals("model-int8.onnx", c.file());
        assertTrue(c.why().contains("single rows on one intra-op thread: measured on one thread"), c.why());
    }

    @Test
    void singleRowsOnSeveralThreadsTakeTheAllCoresMeasurement() {
        ServedModel.FileChoice c = ServedModel.FileChoice.of(MANIFEST, settings(1, 1, 2, "auto"));
        assertEquals("model.onnx", c.file());
        assertTrue(c.why().endsWith("single rows: measured on all cores"), c.why());
    }

    @Test
    void batchesAndOlderManifestsAndExplicitVariants() {
        assertEquals("model-int8.onnx", ServedModel.FileChoice.of(MANIFEST, settings(64, 1, 2, "auto")).file());
        Map<String, Object> older = Map.of("serve", Map.of("single_row", "model.onnx", "batch_256", "model-int8.onnx",
                "why", "measured on all cores"));
        assertEquals("model.onnx", ServedModel.FileChoice.of(older, settings(1, 1, 1, "auto")).file(),
                "a manifest from before the one-thread measurement: its single-row choice");
        assertEquals("model.onnx", ServedModel.FileChoice.of(Map.of(), settings(1, 1, 1, "auto")).file());
        assertEquals("model.onnx", ServedModel.FileChoice.of(MANIFEST, settings(64, 1, 1, "fp32")).file());
        assertEquals("model-int8.onnx", ServedModel.FileChoice.of(Map.of(), settings(1, 1, 1, "int8")).file());
    }
}
