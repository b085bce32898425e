package dev.dlpipe.cli;

import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.UserError;
import dev.dlpipe.pipeline.PipelineStage;
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
        subcommands = {PipelineCommand.class, SampleDataCommand.class, BenchCommand.class, ConfigReferenceCommand.class,
                SubmitArgsCommand.class, ServeCommand.class})
public final class Main {

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
        for (PipelineStage stage : PipelineStage.values()) {
            CommandSpec spec = CommandSpec.forAnnotatedObject(new StageCommand());
            spec.name(stage.stageName());
            spec.mixinStandardHelpOptions(true);
            spec.usageMessage().description(stage.stageName() + ": " + stage.help());
            cli.addSubcommand(stage.stageName(), new CommandLine(spec));
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
