package dev.dlpipe.export;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.core.Json;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * src/test/resources/byod/follow_preprocessing.py: a Python client that follows an export's preprocessing.json
 * literally on raw files and runs model.onnx with numpy. Its predictions, by id, for the tests to compare with
 * dlpipe's. Required where CI installed the Debian packages (DLPIPE_REQUIRE_ONNX=1); elsewhere, without them, the
 * comparison is skipped with a message (null).
 */
public final class PreprocessingClient {

    static final Path SCRIPT = Path.of(System.getProperty("dlpipe.project.dir", "."),
            "src/test/resources/byod/follow_preprocessing.py");

    private PreprocessingClient() {
    }

    public static Map<String, Integer> predict(Path export, Path data, String module) throws Exception {
        Process probe = new ProcessBuilder("/usr/bin/python3", "-c", "import onnx, numpy, " + module).start();
        if (probe.waitFor() != 0) {
            assertNotEquals("1", System.getenv("DLPIPE_REQUIRE_ONNX"),
                    "python3-onnx, numpy and " + module + " are required here but missing");
            System.err.println("python3 onnx/numpy/" + module + " not installed: the preprocessing.json client is skipped");
            return null;
        }
        Process p = new ProcessBuilder("/usr/bin/python3", SCRIPT.toString(), export.toString(), data.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        Map<String, Object> m = Json.readMap(out);
        List<?> ids = (List<?>) m.get("ids");
        List<?> predicted = (List<?>) m.get("predicted");
        Map<String, Integer> byId = new LinkedHashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            byId.put((String) ids.get(i), ((Number) predicted.get(i)).intValue());
        }
        return byId;
    }
}
