package dev.dlpipe.train;

import dev.dlpipe.config.Config;
import java.io.Serializable;

/** The training configuration as one immutable value. */
public record TrainSettings(String model, int epochs, int batchSize, int workers, int averagingFrequency,
                            int prefetch, String updater, double learningRate, double l2, double dropout,
                            int hiddenUnits, int hiddenLayers, long seed, String dataType,
                            LearningRateSchedule schedule, EpochRules rules, boolean resume, String checkpointDir,
                            int checkpointKeep) implements Serializable {

    /**
     * These settings for a distillation student: an MLP of the given size trained for {@code epochs}, no dropout,
     * no checkpoints; optimizer, schedule, batches, workers and seed as configured.
     */
    public TrainSettings studentMlp(int epochs, int hiddenUnits, int hiddenLayers) {
        return new TrainSettings("mlp", epochs, batchSize, workers, averagingFrequency, prefetch, updater, learningRate,
                l2, 0.0, hiddenUnits, hiddenLayers, seed, dataType, schedule, rules, false, "", 1);
    }

    public static TrainSettings from(Config c) {
        return new TrainSettings(c.string("train.model"), c.integer("train.epochs"), c.integer("train.batch-size"),
                c.integer("train.workers"), c.integer("train.averaging-frequency"), c.integer("train.prefetch"),
                c.string("train.updater"), c.number("train.learning-rate"), c.number("train.l2"),
                c.number("train.dropout"), c.integer("train.hidden-units"), c.integer("train.hidden-layers"),
                c.integer("run.seed"), c.string("train.dtype"), LearningRateSchedule.from(c), EpochRules.from(c),
                c.bool("train.resume"), c.string("train.checkpoint-dir"), c.integer("train.checkpoint-keep"));
    }
}
