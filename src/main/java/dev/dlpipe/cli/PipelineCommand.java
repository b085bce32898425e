package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.SparkSessions;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.pipeline.PipelinePlan;
import dev.dlpipe.pipeline.PipelineRunner;
import dev.dlpipe.pipeline.RunReport;
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
        subcommands = {PipelineCommand.Run.class, PipelineCommand.Summary.class})
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
                throw new dev.dlpipe.UserError("pipeline file not found: " + file);
            }
            Config loaded = configOptions.load(List.of(file));
            Config config = dev.dlpipe.pipeline.DataKinds.resolve(loaded, loaded.string("pipeline.input"));
            PipelinePlan plan = PipelinePlan.of(config); // a bad plan fails here, before Spark starts
            if (configOptions.dryRun()) {
                ConfigOptions.print(config);
                System.out.println();
                System.out.print(plan.describe());
                return 0;
            }
            plan.checkOutputs(config.bool("run.force")); // before Spark starts: nothing of the user's is replaced
            plan.preflight(config); // shapes against the model, columns against the config: before Spark too
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
                System.out.println("Report: " + Fs.child(config.string("run.dir"), RunReport.MARKDOWN) + " (and "
                        + RunReport.HTML + " beside it, for a browser)");
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "summary", description = "Print the summary table of a finished run again (from its run.json).",
            mixinStandardHelpOptions = true)
    static final class Summary implements Callable<Integer> {

        @Parameters(arity = "1..*", paramLabel = "RUN",
                description = "pipeline run directories (run.dir), or their run.json files")
        List<String> runs;

        @Override
        public Integer call() {
            for (String run : runs) {
                String runJson = run.endsWith(".json") ? run : Fs.child(run, RunReport.RUN_JSON);
                if (!Fs.exists(runJson)) {
                    throw new dev.dlpipe.UserError(runJson + " not found: not the run directory of a finished pipeline");
                }
                if (runs.size() > 1) {
                    System.out.println((run.equals(runs.get(0)) ? "" : "\n") + "== " + run);
                }
                System.out.print(RunSummary.ofRunJson(Json.readMap(Fs.readString(runJson))));
            }
            return 0;
        }
    }
}
