package dev.dlpipe.sampledata;

import dev.dlpipe.core.Fs;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes the three sample sets into one directory: images/, text/ and tabular/. Same seed, same bytes. */
public final class SampleData {

    private SampleData() {
    }

    public static Map<String, Long> write(String dir, long imageRows, long textRows, long tabularRows, long seed) {
        Map<String, Long> written = new LinkedHashMap<>();
        if (imageRows > 0) {
            written.put(Fs.child(dir, "images/images.parquet"),
                    ImageSetWriter.write(Fs.child(dir, "images/images.parquet"), imageRows, seed));
        }
        if (textRows > 0) {
            written.put(Fs.child(dir, "text/reviews.jsonl"),
                    TextSetWriter.write(Fs.child(dir, "text/reviews.jsonl"), textRows, seed + 1));
        }
        if (tabularRows > 0) {
            written.put(Fs.child(dir, "tabular/customers.csv"),
                    TabularSetWriter.write(Fs.child(dir, "tabular/customers.csv"), tabularRows, seed + 2));
        }
        return written;
    }
}
