package dev.dlpipe.cli;

import dev.dlpipe.sampledata.SampleData;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dlpipe sample-data}: the project's own data generator (images, text, tabular). */
@Command(name = "sample-data", mixinStandardHelpOptions = true,
        description = "Generate the sample datasets: images/images.parquet, text/reviews.jsonl, tabular/customers.csv."
                + " Same seed and sizes give the same bytes.")
public final class SampleDataCommand implements Callable<Integer> {

    @Option(names = {"-o", "--output"}, defaultValue = "sample-data", description = "output directory (default ${DEFAULT-VALUE})")
    String output;

    @Option(names = "--images", defaultValue = "6000", description = "image rows (default ${DEFAULT-VALUE})")
    long images;

    @Option(names = "--text", defaultValue = "4000", description = "text rows (default ${DEFAULT-VALUE})")
    long text;

    @Option(names = "--tabular", defaultValue = "4000", description = "tabular rows (default ${DEFAULT-VALUE})")
    long tabular;

    @Option(names = "--seed", defaultValue = "20261122", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        Map<String, Long> written = SampleData.write(output, images, text, tabular, seed);
        written.forEach((file, rows) -> System.out.printf("%-50s %,d rows%n", file, rows));
        System.out.printf("done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
