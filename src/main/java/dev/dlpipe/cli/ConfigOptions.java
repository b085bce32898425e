package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The configuration flags every command shares: profile, config files, --set overrides. */
public final class ConfigOptions {

    @Option(names = "--profile", paramLabel = "NAME",
            description = "conf/NAME.yaml layered over the defaults (local, standalone, cluster)")
    String profile;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML config file(s), later files win")
    List<Path> files = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override one key, e.g. --set train.epochs=3")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "train: continue from the newest checkpoint (= --set train.resume=true)")
    boolean resume;

    @Option(names = "--force",
            description = "run a stage even when its output is up to date, and replace an output directory written by a "
                    + "different stage (= --set run.force=true)")
    boolean force;

    @Option(names = "--print-config",
            description = "dry run: print the effective configuration with each value's origin (and a pipeline's plan), then exit")
    boolean printConfig;

    /** Defaults, then the profile, then {@code extra} (e.g. the pipeline file), then the files, then --set. */
    public Config load(List<Path> extra) {
        List<Path> layers = new ArrayList<>();
        if (profile != null) {
            // the launchers pass -Ddlpipe.home, so a profile is found whatever the working directory
            layers.add(Path.of(System.getProperty("dlpipe.home", ".")).resolve("conf").resolve(profile + ".yaml"));
        }
        layers.addAll(extra);
        layers.addAll(files);
        List<String> sets = new ArrayList<>(overrides);
        if (resume) {
            sets.add("train.resume=true");
        }
        if (force) {
            sets.add("run.force=true");
        }
        return ConfigLoader.load(layers, sets);
    }

    /** The --set values as given (benchmarks layer them over each pipeline file they run). */
    public List<String> overrides() {
        return List.copyOf(overrides);
    }

    /** {@code --print-config}: the command prints instead of running. */
    public boolean dryRun() {
        return printConfig;
    }

    /** Every key with its effective value and where that value came from. */
    public static void print(Config config) {
        config.asMap().forEach((k, v) -> System.out.printf("%-40s %-30s # %s%n", k, v, config.origin(k)));
    }
}
