package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.SparkSessions;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.pipeline.AirflowDag;
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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dlpipe pipeline run FILE}: every stage the pipeline file lists, in one Spark application. */
@Command(name = "pipeline", description = "Run a declarative pipeline file.", mixinStandardHelpOptions = true,
        subcommands = {PipelineCommand.Run.class, PipelineCommand.Summary.class, PipelineCommand.Dag.class,
                PipelineCommand.Report.class})
public final class PipelineCommand {

    /** The summary table, the highlights and where the report is: what a finished run (or its report) prints. */
    static void printSummary(Config config, List<StageReport> reports) {
        System.out.print(RunSummary.table(reports));
        System.out.print(RunSummary.highlights(reports));
        System.out.println("Report: " + Fs.child(config.string("run.dir"), RunReport.MARKDOWN) + " (and "
                + RunReport.HTML + " beside it, for a browser)");
    }

    /** The pipeline file's effective configuration (after {@code adjust}), its data kind resolved. */
    static Config pipelineConfig(Path file, ConfigOptions options, java.util.function.UnaryOperator<Config> adjust) {
        if (!file.toFile().isFile()) {
            throw new dev.dlpipe.UserError("pipeline file not found: " + file);
        }
        Config loaded = adjust.apply(options.load(List.of(file)));
        return dev.dlpipe.pipeline.DataKinds.resolve(loaded, loaded.string("pipeline.input"));
    }

    @Command(name = "run", description = "Run the stages of a pipeline file (pipelines/*.yaml) and print a summary.",
            mixinStandardHelpOptions = true)
    static final class Run implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "pipeline file, a config layer with a pipeline: section")
        Path file;

        @Mixin
        ConfigOptions configOptions;

        @Override
        public Integer call() {
            Config config = pipelineConfig(file, configOptions, c -> c);
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
                printSummary(config, reports);
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Write run.json and report.md/html for a pipeline whose stages ran one by one (jobs/<stage>.sh, "
                    + "the tasks of an Airflow DAG), from the stages' manifests in run.dir; the DAG's last task.")
    static final class Report implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "the pipeline file the stages ran from")
        Path file;

        @Mixin
        ConfigOptions configOptions;

        @Override
        public Integer call() {
            Config config = pipelineConfig(file, configOptions, c -> c);
            List<StageReport> reports = RunReport.writeFromManifests(config);
            printSummary(config, reports);
            return 0;
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

    @Command(name = "dag", mixinStandardHelpOptions = true,
            description = "Write an Airflow DAG from a pipeline file: one SparkSubmitOperator per stage, each submitting "
                    + "what jobs/<stage>.sh submits (settings: the airflow.* keys).")
    static final class Dag implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", description = "pipeline file (pipelines/*.yaml)")
        Path file;

        @Option(names = "--schedule", paramLabel = "CRON",
                description = "cron expression or preset such as @daily (= --set airflow.schedule=CRON; default: manual)")
        String schedule;

        @Option(names = "--output", paramLabel = "FILE.py",
                description = "where to write the DAG (default: NAME_dag.py beside the pipeline file)")
        Path output;

        @Mixin
        ConfigOptions configOptions;

        @Override
        public Integer call() {
            Config config = pipelineConfig(file, configOptions,
                    c -> schedule == null ? c : c.with("airflow.schedule", schedule, "--schedule"));
            // the tasks load the same file, profile and settings; the airflow.* ones only shape the DAG
            List<String> taskSets = configOptions.overrides().stream().filter(s -> !s.startsWith("airflow.")).toList();
            Path home = Path.of(System.getProperty("dlpipe.home", "."));
            String text = AirflowDag.write(new AirflowDag.Source(file, home, configOptions.profile, taskSets), config);
            Path target = output != null ? output
                    : file.toAbsolutePath().getParent().resolve(config.string("pipeline.name") + "_dag.py");
            try {
                Path dir = target.toAbsolutePath().getParent();
                java.nio.file.Files.createDirectories(dir);
                Path tmp = java.nio.file.Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
                java.nio.file.Files.writeString(tmp, text);
                java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.io.IOException e) {
                throw new dev.dlpipe.UserError("cannot write the DAG to " + target + ": " + e.getMessage());
            }
            PipelinePlan plan = PipelinePlan.of(config);
            System.out.println("Wrote " + target + ": DAG with " + plan.steps().size() + " task(s), "
                    + String.join(" >> ", plan.steps().stream().map(PipelinePlan.Step::stage).toList())
                    + "; schedule " + (config.string("airflow.schedule").isEmpty() ? "none (trigger it)"
                    : config.string("airflow.schedule")) + ". Airflow needs apache-airflow-providers-apache-spark, "
                    + "the jar and the Variables the file's header names (README: Scheduling with Airflow).");
            return 0;
        }
    }
}
