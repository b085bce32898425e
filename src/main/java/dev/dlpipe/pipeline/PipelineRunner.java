package dev.dlpipe.pipeline;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.BuildInfo;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.core.StageReport;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.core.UserError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Runs the stages listed in {@code pipeline.stages} in order, each reading its upstream outputs from the run
 * directory ({@code run.dir}/{stage}); a stage whose upstream is not in the list uses that stage's output from an
 * earlier run, so a pipeline can be resumed from any stage. Leaves {@code run.json} and {@code report.md}.
 */
public final class PipelineRunner {

    private PipelineRunner() {
    }

    public static List<StageReport> run(SparkSession spark, Config config) {
        String runDir = config.string("run.dir");
        List<String> stages = config.list("pipeline.stages");
        for (int i = 1; i < stages.size(); i++) {
            if (Stages.ORDER.indexOf(stages.get(i)) <= Stages.ORDER.indexOf(stages.get(i - 1))) {
                throw new UserError("pipeline.stages (" + config.origin("pipeline.stages") + ") must follow the order "
                        + Stages.ORDER + ", got " + stages);
            }
        }
        for (String name : stages) { // an unsupported stage for this data kind fails now, not after an hour
            Stages.create(name, config.string("pipeline.data-kind"));
        }
        Instant started = Instant.now();
        List<StageReport> reports = new ArrayList<>();
        for (String name : stages) {
            List<String> inputs = new ArrayList<>();
            if (Stages.upstream(name).isEmpty()) {
                String input = config.string("pipeline.input");
                if (input.isEmpty()) {
                    throw new UserError("pipeline.input is not set (" + config.origin("pipeline.input")
                            + "): the " + name + " stage needs an input dataset");
                }
                inputs.add(input);
            }
            for (List<String> alternatives : Stages.upstream(name)) {
                inputs.add(resolve(runDir, name, alternatives, stages));
            }
            reports.add(StageRunner.run(Stages.create(name, config.string("pipeline.data-kind")), spark, config, inputs, Fs.child(runDir, name)));
        }
        writeRunReport(runDir, config, reports, started);
        return reports;
    }

    private static String resolve(String runDir, String stage, List<String> alternatives, List<String> planned) {
        for (String alt : alternatives) {
            if (planned.contains(alt) && planned.indexOf(alt) < planned.indexOf(stage)) {
                return Fs.child(runDir, alt);
            }
        }
        for (String alt : alternatives) {
            if (Fs.exists(Fs.child(Fs.child(runDir, alt), StageRunner.MANIFEST))) {
                return Fs.child(runDir, alt);
            }
        }
        throw new UserError(stage + " needs the output of " + String.join(" or ", alternatives)
                + ": add it to pipeline.stages or run it first into " + runDir);
    }

    private static void writeRunReport(String runDir, Config config, List<StageReport> reports, Instant started) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("pipeline", config.string("pipeline.name"));
        run.put("dlpipe_version", BuildInfo.version());
        run.put("git_commit", BuildInfo.gitCommit());
        run.put("started_at", started.toString());
        run.put("config", config.asMap());
        List<Map<String, Object>> stages = new ArrayList<>();
        for (StageReport r : reports) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("stage", r.stage());
            s.put("output", r.output());
            s.put("wall_seconds", Math.round(r.wallSeconds() * 10) / 10.0);
            s.put("counts", r.counts().toMap());
            s.put("metrics", r.metrics());
            stages.add(s);
        }
        run.put("stages", stages);
        Fs.writeString(Fs.child(runDir, "run.json"), Json.write(run));
        Fs.writeString(Fs.child(runDir, "report.md"), "# Run report: " + config.string("pipeline.name") + "\n\n"
                + "Started " + started + ", dlpipe " + BuildInfo.version() + " (" + BuildInfo.gitCommit() + ").\n\n"
                + RunSummary.table(reports) + "\n" + RunSummary.highlights(reports) + "\n"
                + "Each stage directory holds its output and `_manifest.json` (inputs with fingerprints, effective"
                + " config, counts, metrics).\n");
    }
}
