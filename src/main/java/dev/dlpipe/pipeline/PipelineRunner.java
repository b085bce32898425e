package dev.dlpipe.pipeline;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.OwnerLock;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the stages listed in {@code pipeline.stages} in order, each reading its upstream outputs from the run
 * directory ({@code run.dir}/{stage}); a stage whose upstream is not in the list uses that stage's output from an
 * earlier run, so a pipeline can be resumed from any stage. Leaves {@code run.json} and {@code report.md}.
 */
public final class PipelineRunner {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineRunner.class);

    private PipelineRunner() {
    }

    public static List<StageReport> run(SparkSession spark, Config given) {
        Config config = DataKinds.resolve(given, given.string("pipeline.input"));
        PipelinePlan plan = PipelinePlan.of(config);
        plan.checkOutputs(config.bool("run.force"));
        Fs.mkdirs(plan.runDir());
        try (OwnerLock lock = OwnerLock.acquire(Fs.child(plan.runDir(), LOCK), "run.dir " + plan.runDir())) {
            return run(spark, config, plan);
        }
    }

    /** One pipeline at a time per run directory: two would replace each other's stage outputs mid-run. */
    public static final String LOCK = ".dlpipe-run.lock";

    private static List<StageReport> run(SparkSession spark, Config config, PipelinePlan plan) {
        Map<String, Double> lastTimes = previousStageSeconds(plan.runDir());
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        List<StageReport> reports = new ArrayList<>();
        for (PipelinePlan.Step step : plan.steps()) {
            List<String> inputs = step.inputs().stream().map(i -> i.resolve(step.stage(), Fs::exists)).toList();
            LOG.info("stage {}/{} {}: {} s into the pipeline; {}", step.number(), plan.steps().size(), step.stage(),
                    Math.round((System.nanoTime() - t0) / 1e9), eta(plan, step, lastTimes));
            try {
                reports.add(StageRunner.run(PipelineStage.of(step.stage()).create(config.string("pipeline.data-kind")),
                        spark, config, inputs, step.output()));
            } catch (RuntimeException e) {
                try { // what finished is still worth a report; the error stays the run's result
                    RunReport.write(plan.runDir(), config, reports, started, step.stage(),
                            String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString()));
                } catch (RuntimeException reportFailure) {
                    e.addSuppressed(reportFailure);
                }
                throw e;
            }
        }
        RunReport.write(plan.runDir(), config, reports, started);
        return reports;
    }

    /** Wall seconds per stage of the previous run in this run directory (its run.json), the best guess we have. */
    private static Map<String, Double> previousStageSeconds(String runDir) {
        Map<String, Double> times = new LinkedHashMap<>();
        String runJson = Fs.child(runDir, RunReport.RUN_JSON);
        try {
            if (Fs.exists(runJson)) {
                for (StageReport r : RunSummary.fromRunJson(Json.readMap(Fs.readString(runJson)))) {
                    times.put(r.stage(), r.wallSeconds());
                }
            }
        } catch (RuntimeException e) { // an unreadable old report only costs the estimate
            LOG.debug("no stage timings from {}: {}", runJson, e.toString());
        }
        return times;
    }

    private static String eta(PipelinePlan plan, PipelinePlan.Step current, Map<String, Double> lastTimes) {
        double rest = 0;
        for (PipelinePlan.Step s : plan.steps().subList(current.number() - 1, plan.steps().size())) {
            Double t = lastTimes.get(s.stage());
            if (t == null) {
                return "no ETA yet (no earlier run of " + s.stage() + " in this run.dir to estimate from)";
            }
            rest += t;
        }
        return "ETA for the rest ~" + Math.round(rest) + " s (stage times of the previous run in this run.dir)";
    }
}
