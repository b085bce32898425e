package dev.dlpipe.train;

import dev.dlpipe.config.Config;
import java.io.Serializable;

/** The training configuration as one immutable value. */
public record TrainSettings(String model, int epochs, int batchSize, int workers, int averagingFrequency,
                            int prefetch, String updater, double learningRate, double l2, double dropout,
                            int hiddenUnits, int hiddenLayers, long seed, String dataType,
                            LearningRateSchedule schedule, EpochRules rules, boolean resume, String checkpointDir,
                            int checkpointKeep) implements Serializable {

    public static TrainSettings from(Config c) {
        return new TrainSettings(c.string("train.model"), c.integer("train.epochs"), c.integer("train.batch-size"),
                c.integer("train.workers"), c.integer("train.averaging-frequency"), c.integer("train.prefetch"),
                c.string("train.updater"), c.number("train.learning-rate"), c.number("train.l2"),
                c.number("train.dropout"), c.integer("train.hidden-units"), c.integer("train.hidden-layers"),
                c.integer("run.seed"), c.string("train.dtype"), LearningRateSchedule.from(c), EpochRules.from(c),
                c.bool("train.resume"), c.string("train.checkpoint-dir"), c.integer("train.checkpoint-keep"));
    }
}
