package dev.dlpipe.text;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Text the project did not write: paragraphs of the licenses Debian ships in /usr/share/common-licenses, labelled by
 * license (src/test/resources/byod/make_byod_fixtures.py), as CSV without ids and as JSON Lines with a split field
 * of their own under other field names.
 */
class ForeignTextTest {

    static final Path BYOD = dev.dlpipe.ByodFixtures.DIR;

    @TempDir
    Path dir;

    private StageReport clean(String file, String out, String... settings) {
        List<String> all = new java.util.ArrayList<>(List.of("pipeline.data-kind=text",
                "clean.text.text-column=paragraph", "clean.text.label-column=license"));
        all.addAll(List.of(settings));
        return StageRunner.run(new CleanTextStage(), TestSpark.session(), TestSpark.config(all.toArray(String[]::new)),
                List.of(BYOD.resolve(file).toString()), dir.resolve(out).toString());
    }

    @Test
    void csvWithoutIdsGetsDerivedIdsAndTheSeededSplit() {
        StageReport r = clean("licenses.csv", "csv");
        assertEquals(202L, r.counts().in(), r.counts().toMap().toString());
        assertEquals(r.counts().in(), r.counts().out() + r.counts().quarantinedTotal() + r.counts().deduplicated());
        assertEquals("csv", r.metrics().get("input"));
        assertTrue(String.valueOf(r.metrics().get("id")).startsWith("derived"), r.metrics().toString());
        assertEquals(List.of("Apache-2.0", "Artistic", "GPL-3", "LGPL-2.1", "MPL-2.0"), r.metrics().get("labels"));
        assertEquals(Set.of("train", "validation", "test"), ((Map<?, ?>) r.metrics().get("rows_per_split")).keySet());
    }

    @Test
    void jsonLinesKeepTheirOwnSplitAndQuarantineWhatIsNotARecord() {
        StageReport r = clean("licenses.jsonl", "jsonl", "split.column=part");
        assertEquals(204L, r.counts().in());
        assertEquals(1L, r.counts().quarantined().get("malformed_json"), r.counts().toMap().toString());
        assertEquals(1L, r.counts().quarantined().get("missing_label"), r.counts().toMap().toString());
        assertEquals("kept from part", r.metrics().get("split"));
        assertEquals(Set.of("train", "test"), ((Map<?, ?>) r.metrics().get("rows_per_split")).keySet(),
                "the user's split, no validation invented");
    }
}
