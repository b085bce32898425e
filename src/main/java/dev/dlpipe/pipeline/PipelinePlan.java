package dev.dlpipe.pipeline;

import dev.dlpipe.config.Config;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.OutputGuard;
import dev.dlpipe.core.StageRunner;
import dev.dlpipe.UserError;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a pipeline run will do, worked out from the configuration alone: the stages in order, where each one reads
 * and where it writes. Building a plan touches no file system (except to tell the data kind from the input when it
 * is {@code auto}), so {@code --print-config} shows it as a dry run, the
 * runner executes it, and a DAG generator can turn it into tasks. What only the file system can answer is asked
 * separately: whether the outputs may be written ({@link #checkOutputs}) and which earlier run's output an unplanned
 * upstream stage left ({@link Input#resolve}, when the stage starts).
 */
public record PipelinePlan(String name, String runDir, List<Step> steps) {

    /** One input of a step: the dataset itself, an output of an earlier step, or one left by an earlier run. */
    public record Input(List<String> candidates, boolean fromEarlierRun) {

        /** The path to read; for an earlier run's output the first candidate whose manifest exists. */
        public String resolve(String stage, Predicate<String> exists) {
            if (!fromEarlierRun) {
                return candidates.get(0);
            }
            for (String c : candidates) {
                if (exists.test(Fs.child(c, StageRunner.MANIFEST))) {
                    return c;
                }
            }
            throw new UserError(stage + " needs the output of " + String.join(" or ", candidates)
                    + ": add that stage to pipeline.stages or run it first into the same run.dir");
        }

        public String describe() {
            return fromEarlierRun ? String.join(" or ", candidates) + " (from an earlier run)" : candidates.get(0);
        }
    }

    public record Step(int number, String stage, List<Input> inputs, String output) {
    }

    public static PipelinePlan of(Config given) {
        // pipeline.data-kind: auto is told from the input: the one file-system read of planning
        Config config = DataKinds.resolve(given, given.string("pipeline.input"));
        String runDir = config.string("run.dir");
        String kind = config.string("pipeline.data-kind");
        List<String> stages = config.list("pipeline.stages");
        if (PipelineStage.inputIsTensors(kind) && config.origin("pipeline.stages").equals(dev.dlpipe.config.ConfigLoader.DEFAULTS_NAME)) {
            // the default list starts at clean; a tensor dataset has nothing to clean, augment or pack
            stages = stages.stream().filter(n -> PipelineStage.of(n).dataKinds().contains(kind)).toList();
        }
        for (int i = 1; i < stages.size(); i++) {
            if (PipelineStage.names().indexOf(stages.get(i)) <= PipelineStage.names().indexOf(stages.get(i - 1))) {
                throw new UserError("pipeline.stages (" + config.origin("pipeline.stages") + ") must follow the order "
                        + PipelineStage.names() + ", got " + stages);
            }
        }
        for (String name : stages) { // an unsupported stage for this data kind fails now, not after an hour
            PipelineStage.of(name).create(config.string("pipeline.data-kind"));
        }
        List<Step> steps = new ArrayList<>();
        for (String name : stages) {
            List<Input> inputs = new ArrayList<>();
            if (PipelineStage.of(name).upstream().isEmpty()) {
                inputs.add(new Input(List.of(datasetInput(config, name)), false));
            }
            for (List<String> alternatives : PipelineStage.of(name).upstream()) {
                if (PipelineStage.inputIsTensors(kind) && alternatives.contains("pack")) {
                    inputs.add(new Input(List.of(datasetInput(config, name)), false));
                } else {
                    inputs.add(upstream(runDir, name, alternatives, stages));
                }
            }
            steps.add(new Step(steps.size() + 1, name, List.copyOf(inputs), Fs.child(runDir, name)));
        }
        return new PipelinePlan(config.string("pipeline.name"), runDir, List.copyOf(steps));
    }

    /**
     * Checked against the file system before anything runs: no stage may replace anything but its own earlier
     * output, nor write over or into what it reads.
     */
    public void checkOutputs(boolean force) {
        for (Step s : steps) {
            List<String> reads = new ArrayList<>();
            s.inputs().forEach(i -> reads.addAll(i.candidates()));
            OutputGuard.check(s.stage(), reads, s.output(), force);
        }
    }

    private static String datasetInput(Config config, String stage) {
        String input = config.string("pipeline.input");
        if (input.isEmpty()) {
            throw new UserError("pipeline.input is not set (" + config.origin("pipeline.input")
                    + "): the " + stage + " stage needs an input dataset");
        }
        return input;
    }

    /**
     * Each stage's checks that need no Spark ({@link dev.dlpipe.core.Stage#preflight}). An input an earlier step of
     * this plan will write is passed as null: what is there now is a previous run's, maybe of other settings.
     */
    public void preflight(Config given) {
        Config config = DataKinds.resolve(given, given.string("pipeline.input"));
        List<String> written = steps.stream().map(Step::output).toList();
        for (Step s : steps) {
            List<String> inputs = new ArrayList<>();
            for (Input i : s.inputs()) {
                String first = i.candidates().get(0);
                inputs.add(!i.fromEarlierRun() && written.contains(first) ? null : first);
            }
            PipelineStage.of(s.stage()).create(config.string("pipeline.data-kind")).preflight(config, inputs);
        }
    }

    private static Input upstream(String runDir, String stage, List<String> alternatives, List<String> planned) {
        for (String alt : alternatives) {
            if (planned.contains(alt) && planned.indexOf(alt) < planned.indexOf(stage)) {
                return new Input(List.of(Fs.child(runDir, alt)), false);
            }
        }
        return new Input(alternatives.stream().map(a -> Fs.child(runDir, a)).toList(), true);
    }

    /** The plan as a person reads it: one line per stage, what it reads and where it writes. */
    public String describe() {
        StringBuilder sb = new StringBuilder("Pipeline '" + name + "': " + steps.size() + " stage(s) into " + runDir + "\n");
        for (Step s : steps) {
            sb.append(String.format("  %d/%d %-8s reads %s%n         writes %s%n", s.number(), steps.size(), s.stage(),
                    String.join(", ", s.inputs().stream().map(Input::describe).toList()), s.output()));
        }
        return sb.toString();
    }
}
