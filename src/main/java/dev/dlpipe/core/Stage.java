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
}
