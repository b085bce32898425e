package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.OutputGuard;
import dev.dlpipe.core.SparkSessions;
import dev.dlpipe.core.Stage;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.pipeline.RunSummary;
import dev.dlpipe.pipeline.PipelineStage;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** One stage as a command: {@code dlpipe <stage> --input ... --output DIR}; exactly what jobs/<stage>.sh submits. */
public final class StageCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions configOptions;

    @Option(names = {"-i", "--input"}, arity = "1..*", paramLabel = "PATH",
            description = "input path(s), in the order the stage expects (see the command description)")
    List<String> inputs;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "output directory; written atomically. A rerun skips when it is up to date (same inputs, "
                    + "config and build), else replaces it (required unless --print-config)")
    String output;

    @Override
    public Integer call() {
        String stage = spec.name();
        Config config = configOptions.load(List.of());
        if (configOptions.dryRun()) {
            ConfigOptions.print(config);
            return 0;
        }
        if (inputs == null || output == null) {
            throw new dev.dlpipe.UserError(stage + " needs " + (inputs == null ? "--input" : "--output")
                    + "; see dlpipe " + stage + " --help");
        }
        int expected = Math.max(1, PipelineStage.of(stage).upstream().size());
        if (inputs.size() != expected) {
            throw new dev.dlpipe.UserError(stage + " takes " + expected + " --input path(s), got " + inputs.size()
                    + "; see dlpipe " + stage + " --help");
        }
        StageRunner.checkInputs(stage, inputs);
        config = dev.dlpipe.pipeline.DataKinds.resolveFor(PipelineStage.of(stage), config, inputs.get(0));
        OutputGuard.check(stage, inputs, output, config.bool("run.force")); // before Spark starts
        Stage impl = PipelineStage.of(stage).create(config.string("pipeline.data-kind"));
        impl.preflight(config, inputs);
        SparkSession spark = SparkSessions.getOrCreate(config);
        try {
            StageReport report = StageRunner.run(impl, spark, config, inputs, output);
            System.out.print(RunSummary.table(List.of(report)));
            return 0;
        } finally {
            spark.stop();
        }
    }
}
