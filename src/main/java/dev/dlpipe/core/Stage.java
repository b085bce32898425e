package dev.dlpipe.core;

/**
 * One pipeline stage as a Spark job. It reads {@link StageContext#inputs()}, writes only below
 * {@link StageContext#output()} and reports its counts and metrics; {@link StageRunner} does the rest
 * (validation, fingerprints, atomic publish, manifest, progress).
 */
public interface Stage {

    /** Lower-case stage name as used on the command line and in run directories. */
    String name();

    StageResult run(StageContext ctx) throws Exception;

    /**
     * What can be checked before Spark starts, as one-line errors: shapes against the model, columns against the
     * config. In a pipeline an input may not exist yet (an earlier stage of the same run writes it); then only what
     * the configuration says is checked.
     */
    default void preflight(dev.dlpipe.config.Config config, java.util.List<String> inputs) {
    }
}
