package dev.dlpipe.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;

/**
 * The one way any training on Spark runs an epoch (train, pruning's fine-tuning, distillation): the minibatches
 * in a new order seeded by (seed, purpose, epoch), handed to the {@link DistributedTrainer}. Each purpose keeps the
 * seed formula and epoch numbering it had when its numbers were recorded, so they stay reproducible.
 */
public final class EpochLoop {

    /** Why an epoch is fitted; decides its shuffle stream and the epoch number the trainer seeds from. */
    public enum Purpose {
        TRAIN(31, 0),
        /** Offset so that fine-tuning epoch 1 never shares the trainer's randomness with training epoch 1. */
        FINE_TUNE(7, 10_000),
        DISTILL(31, 0),
        /** Which rows calibrate int8 activation ranges: the first minibatch of this order. */
        CALIBRATE(131, 20_000);

        private final long shuffleFactor;
        private final int epochOffset;

        Purpose(long shuffleFactor, int epochOffset) {
            this.shuffleFactor = shuffleFactor;
            this.epochOffset = epochOffset;
        }
    }

    private EpochLoop() {
    }

    /** The minibatch order of {@code epoch}: a pure function of (seed, purpose, epoch). */
    public static List<String> order(List<String> minibatches, long seed, Purpose purpose, int epoch) {
        List<String> shuffled = new ArrayList<>(minibatches);
        Collections.shuffle(shuffled, new Random(seed * purpose.shuffleFactor + epoch));
        return shuffled;
    }

    /** Sets {@code learningRate} and fits one epoch over {@code minibatches}. */
    public static void fit(DistributedTrainer trainer, JavaSparkContext jsc, List<String> minibatches,
                           DataSetLoader loader, TrainSettings s, Purpose purpose, int epoch, double learningRate) {
        trainer.setLearningRate(learningRate);
        trainer.fitEpoch(jsc.parallelize(order(minibatches, s.seed(), purpose, epoch), s.workers()), loader,
                purpose.epochOffset + epoch);
    }
}
