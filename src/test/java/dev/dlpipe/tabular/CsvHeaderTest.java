package dev.dlpipe.tabular;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Header names as a CSV reader sees them, read before Spark starts. */
class CsvHeaderTest {

    @TempDir
    Path dir;

    @Test
    void quotedNamesCommasDoubledQuotesAndExcelsByteOrderMark() throws Exception {
        assertEquals(List.of("id", "a,b", "say \"hi\"", "last"), CsvHeader.parse("id,\"a,b\",\"say \"\"hi\"\"\", last"));
        Path csv = Files.writeString(dir.resolve("t.csv"), "\uFEFFx,y\n1,2\n");
        assertEquals(List.of("x", "y"), CsvHeader.of(csv.toString()));
        Files.createDirectories(dir.resolve("parts/_tmp"));
        Files.writeString(dir.resolve("parts/_tmp/a.csv"), "hidden,file\n");
        Files.writeString(dir.resolve("parts/b.csv"), "p,q\n");
        assertEquals(List.of("p", "q"), CsvHeader.of(dir.resolve("parts").toString()), "first data file, hidden ones skipped");
    }
}
