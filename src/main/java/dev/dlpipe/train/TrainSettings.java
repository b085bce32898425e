package dev.dlpipe.train;

import dev.dlpipe.config.Config;
import java.io.Serializable;

/** The training configuration as one immutable value. */
public record TrainSettings(String model, int epochs, int batchSize, int workers, int averagingFrequency,
                            int prefetch, String updater, double learningRate, double l2, double dropout,
                            int hiddenUnits, int hiddenLayers, long seed, String dataType,
                            LearningRateSchedule schedule, EpochRules rules, boolean resume, String checkpointDir,
                            int checkpointKeep, String classWeights, TextModel text) implements Serializable {

    /** The text networks' own sizes (train.text.*). */
    public record TextModel(int embeddingSize, int filters, int kernel) implements Serializable {
        static TextModel from(Config c) {
            return new TextModel(c.integer("train.text.embedding-size"), c.integer("train.text.filters"),
                    c.integer("train.text.kernel"));
        }
    }

    /**
     * These settings for a distillation student: an MLP of the given size (for token ids, the mean-of-embeddings text
     * network with dense layers of that size) trained for {@code epochs}, no dropout, no checkpoints; optimizer,
     * schedule, batches, workers, class weights and seed as configured.
     */
    public TrainSettings student(int epochs, int hiddenUnits, int hiddenLayers, boolean tokenIds) {
        return new TrainSettings(tokenIds ? ModelKind.TEXT_MEAN.configName() : "mlp", epochs, batchSize, workers,
                averagingFrequency, prefetch, updater, learningRate, l2, 0.0, hiddenUnits, hiddenLayers, seed, dataType,
                schedule, rules, false, "", 1, classWeights, text);
    }

    /** The same settings with another averaging frequency, without resume or checkpoints (benchmarks sweep it). */
    public TrainSettings withAveragingFrequency(int frequency) {
        return new TrainSettings(model, epochs, batchSize, workers, frequency, prefetch, updater, learningRate, l2,
                dropout, hiddenUnits, hiddenLayers, seed, dataType, schedule, rules, false, "", 1, classWeights, text);
    }

    /** The same settings with another seed and epoch count, without resume or checkpoints (an ensemble member). */
    public TrainSettings member(long memberSeed, int memberEpochs) {
        return new TrainSettings(model, memberEpochs, batchSize, workers, averagingFrequency, prefetch, updater,
                learningRate, l2, dropout, hiddenUnits, hiddenLayers, memberSeed, dataType, schedule, rules, false, "", 1,
                classWeights, text);
    }

    public static TrainSettings from(Config c) {
        return new TrainSettings(c.string("train.model"), c.integer("train.epochs"), c.integer("train.batch-size"),
                c.integer("train.workers"), c.integer("train.averaging-frequency"), c.integer("train.prefetch"),
                c.string("train.updater"), c.number("train.learning-rate"), c.number("train.l2"),
                c.number("train.dropout"), c.integer("train.hidden-units"), c.integer("train.hidden-layers"),
                c.integer("run.seed"), c.string("train.dtype"), LearningRateSchedule.from(c), EpochRules.from(c),
                c.bool("train.resume"), c.string("train.checkpoint-dir"), c.integer("train.checkpoint-keep"),
                c.string("train.class-weights"), TextModel.from(c));
    }
}
