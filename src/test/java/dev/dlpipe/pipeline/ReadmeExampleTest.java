package dev.dlpipe.pipeline;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dlpipe.core.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's example summary is a real run's, not typed in: docs/quickstart-run.json is the run.json of a real
 * {@code ./run quickstart} (recorded by docs/refresh-quickstart-example.sh), and the README block must be exactly
 * what this code prints for it. In CI, which runs the quickstart before the suite, the fresh run must also agree
 * with the recorded one: the same rows everywhere, and the same accuracy and sizes up to what another CPU's
 * floating-point kernels can change.
 */
class ReadmeExampleTest {

    private static final Path ROOT = Path.of(System.getProperty("dlpipe.project.dir", "."));
    private static final String BEGIN = "<!-- quickstart-summary begin";
    private static final String END = "<!-- quickstart-summary end";

    static Map<String, Object> recorded() throws Exception {
        return Json.readMap(Files.readString(ROOT.resolve("docs/quickstart-run.json")));
    }

    @Test
    void readmeExampleIsWhatThisCodePrintsForTheRecordedRun() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int begin = readme.indexOf(BEGIN);
        int end = readme.indexOf(END);
        assertTrue(begin >= 0 && end > begin, "README has the quickstart-summary markers");
        String block = readme.substring(readme.indexOf('\n', begin) + 1, end);
        String expected = "```\n" + RunSummary.ofRunJson(recorded()) + "```\n";
        assertEquals(expected, block, "README example differs from docs/quickstart-run.json: run "
                + "docs/refresh-quickstart-example.sh");
    }

    @Test
    void aFreshQuickstartAgreesWithTheRecordedRun() throws Exception {
        Path fresh = ROOT.resolve("runs/quickstart/run.json");
        boolean ci = "true".equals(System.getenv("CI"));
        if (ci) {
            assertTrue(Files.isRegularFile(fresh), ".ci/run runs ./run quickstart before the suite: " + fresh);
        }
        assumeTrue(Files.isRegularFile(fresh), "no quickstart run in runs/quickstart to compare");
        Map<String, Object> now = Json.readMap(Files.readString(fresh));
        Map<String, Object> then = recorded();
        Map<?, ?> nowConfig = (Map<?, ?>) now.get("config");
        Map<?, ?> thenConfig = (Map<?, ?>) then.get("config");
        if (!ci) { // a developer's runs/quickstart may come from other settings; CI's is the README command
            assumeTrue(nowConfig.equals(thenConfig), "runs/quickstart was run with other settings");
        }
        assertEquals(thenConfig, nowConfig, "the quickstart's configuration changed: refresh the README example");
        List<?> a = (List<?>) then.get("stages");
        List<?> b = (List<?>) now.get("stages");
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            Map<?, ?> x = (Map<?, ?>) a.get(i);
            Map<?, ?> y = (Map<?, ?>) b.get(i);
            assertEquals(x.get("stage"), y.get("stage"));
            assertEquals(x.get("counts"), y.get("counts"), "rows of " + x.get("stage"));
            Map<?, ?> mx = (Map<?, ?>) x.get("metrics");
            Map<?, ?> my = (Map<?, ?>) y.get("metrics");
            for (String k : List.of("test_accuracy", "val_accuracy", "compressed_test_accuracy", "accuracy")) {
                if (mx.get(k) instanceof Number p) {
                    assertEquals(p.doubleValue(), ((Number) my.get(k)).doubleValue(), 0.01,
                            x.get("stage") + " " + k + ": recorded vs fresh");
                }
            }
            for (String k : List.of("fp32_bytes", "compressed_bytes")) {
                if (mx.get(k) instanceof Number p) {
                    assertEquals(p.doubleValue(), ((Number) my.get(k)).doubleValue(), 0.02 * p.doubleValue(),
                            x.get("stage") + " " + k + ": recorded vs fresh");
                }
            }
        }
    }
}
