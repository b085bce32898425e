package dev.dlpipe.cli;

import dev.dlpipe.pipeline.SparkSubmission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dlpipe submit-args --jar J --home H --cache C -- ARGS...}: prints, as bash assignments, the spark-submit
 * options that run {@code dlpipe ARGS...}. jobs/submit.sh evaluates them, so a stage script and an Airflow task
 * built by {@code pipeline dag} submit from the same code ({@link SparkSubmission}).
 */
@Command(name = "submit-args", hidden = true, mixinStandardHelpOptions = true,
        description = "Print the spark-submit options for a dlpipe command, as bash assignments (used by jobs/submit.sh).")
final class SubmitArgsCommand implements Callable<Integer> {

    @Option(names = "--jar", required = true, paramLabel = "JAR", description = "the job jar")
    String jar;

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "the dlpipe checkout or install")
    String home;

    @Option(names = "--cache", required = true, paramLabel = "DIR", description = "ND4J's native cache and temp files")
    String cache;

    @Option(names = "--driver-memory", defaultValue = "4g", paramLabel = "SIZE", description = "driver heap (default 4g)")
    String driverMemory;

    @Option(names = "--properties-file", defaultValue = "", paramLabel = "FILE",
            description = "a Spark properties file to submit with (the standalone cluster's auth secret)")
    String propertiesFile;

    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "the dlpipe command and its arguments, after --")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        SparkSubmission.Site site = new SparkSubmission.Site(jar, home, cache, driverMemory, propertiesFile);
        System.out.print(SparkSubmission.of(site, args).shell());
        return 0;
    }
}
