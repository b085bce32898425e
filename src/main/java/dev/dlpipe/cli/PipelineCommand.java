package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.SparkSessions;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.pipeline.PipelineRunner;
import dev.dlpipe.pipeline.RunSummary;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code dlpipe pipeline run FILE}: every stage the pipeline file lists, in one Spark application. */
@Command(name = "pipeline", description = "Run a declarative pipeline file.", mixinStandardHelpOptions = true,
        subcommands = {PipelineCommand.Run.class})
public final class PipelineCommand {

    @Command(name = "run", description = "Run the stages of a pipeline file (pipelines/*.yaml) and print a summary.",
            mixinStandardHelpOptions = true)
    static final class Run implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "pipeline file, a config layer with a pipeline: section")
        Path file;

        @Mixin
        ConfigOptions configOptions;

        @Override
        public Integer call() {
            if (!file.toFile().isFile()) {
                throw new dev.dlpipe.core.UserError("pipeline file not found: " + file);
            }
            Config config = configOptions.load(List.of(file));
            long t0 = System.nanoTime();
            SparkSession spark = SparkSessions.getOrCreate(config);
            try {
                List<StageReport> reports = PipelineRunner.run(spark, config);
                System.out.println();
                System.out.println("Pipeline '" + config.string("pipeline.name") + "' finished in "
                        + Math.round((System.nanoTime() - t0) / 1e8) / 10.0 + " s; run directory "
                        + config.string("run.dir"));
                System.out.print(RunSummary.table(reports));
                System.out.print(RunSummary.highlights(reports));
                System.out.println("Report: " + config.string("run.dir") + "/report.md");
                return 0;
            } finally {
                spark.stop();
            }
        }
    }
}
