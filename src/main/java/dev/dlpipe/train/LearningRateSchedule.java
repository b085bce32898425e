package dev.dlpipe.train;

import dev.dlpipe.config.Config;
import java.io.Serializable;

/**
 * The learning rate of each epoch (1-based): constant, step, exponential or cosine decay, after an optional linear
 * warmup. Applied per epoch on the driver, so it is the same whether the epoch runs on one JVM or on a cluster, and a
 * resumed run picks it up from the epoch number alone.
 */
public record LearningRateSchedule(String kind, double base, double decay, int stepEpochs, int warmupEpochs,
                                   double minRate, int epochs) implements Serializable {

    public static LearningRateSchedule from(Config c) {
        return new LearningRateSchedule(c.string("train.lr-schedule"), c.number("train.learning-rate"),
                c.number("train.lr-decay"), c.integer("train.lr-step-epochs"), c.integer("train.warmup-epochs"),
                c.number("train.min-learning-rate"), c.integer("train.epochs"));
    }

    public double rate(int epoch) {
        if (epoch < 1) {
            throw new IllegalArgumentException("epochs count from 1, got " + epoch);
        }
        if (epoch <= warmupEpochs) {
            return base * epoch / (warmupEpochs + 1.0); // reaches base on the first epoch after warmup
        }
        int e = epoch - warmupEpochs; // 1-based epoch after warmup
        double rate = switch (kind) {
            case "constant" -> base;
            case "step" -> base * Math.pow(decay, (e - 1) / Math.max(1, stepEpochs));
            case "exponential" -> base * Math.pow(decay, e - 1);
            case "cosine" -> {
                int span = Math.max(1, epochs - warmupEpochs - 1);
                double t = Math.min(1.0, (e - 1) / (double) span);
                yield minRate + (base - minRate) * 0.5 * (1 + Math.cos(Math.PI * t));
            }
            default -> throw new IllegalArgumentException("unknown learning-rate schedule " + kind);
        };
        return Math.max(minRate, rate);
    }
}
