package dev.dlpipe.cli;

import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.UserError;
import dev.dlpipe.pipeline.Stages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The single entry point: {@code dlpipe <stage> | pipeline run FILE | sample-data}. The same main runs locally
 * ({@code ./run}) and under spark-submit ({@code jobs/*.sh}). Problems the user can fix print as one line and
 * exit 2; anything else keeps its stack trace and exits 1.
 */
@Command(name = "dlpipe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Spark-native deep-learning pipeline: clean -> augment -> pack -> train -> compress -> export -> score.",
        subcommands = {PipelineCommand.class, SampleDataCommand.class, BenchCommand.class, ConfigReferenceCommand.class})
public final class Main {

    private static final String[] STAGE_HELP = {
        "clean:    decode, resize and normalize images; assign splits. --input RAW_IMAGES",
        "augment:  add augmented copies of training rows. --input CLEAN_DIR",
        "pack:     write Parquet tensor shards per split. --input AUGMENT_OR_CLEAN_DIR",
        "train:    distributed DL4J training (parameter averaging). --input PACK_DIR",
        "compress: pruning + int8 quantization, evaluated. --input TRAIN_DIR --input PACK_DIR",
        "export:   publish model.zip + int8 + manifests. --input COMPRESS_OR_TRAIN_DIR",
        "score:    batch predictions on the test split. --input EXPORT_DIR --input PACK_DIR"};

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cli = commandLine();
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            UserError user = userError(ex);
            if (user != null) {
                commandLine.getErr().println("error: " + user.getMessage());
                return 2;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        for (int i = 0; i < Stages.ORDER.size(); i++) {
            String stage = Stages.ORDER.get(i);
            CommandSpec spec = CommandSpec.forAnnotatedObject(new StageCommand());
            spec.name(stage);
            spec.mixinStandardHelpOptions(true);
            spec.usageMessage().description(STAGE_HELP[i]);
            cli.addSubcommand(stage, new CommandLine(spec));
        }
        return cli;
    }

    /** A UserError anywhere in the cause chain (Spark wraps executor-side failures). */
    public static UserError userError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UserError u) {
                return u;
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"dlpipe " + BuildInfo.version() + " (" + BuildInfo.gitCommit() + ")"};
        }
    }
}
