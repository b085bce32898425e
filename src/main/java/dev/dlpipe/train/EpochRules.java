package dev.dlpipe.train;

import dev.dlpipe.config.Config;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reduce-on-plateau and early stopping, both driven by one validation metric. {@link State} is an immutable value
 * carried from epoch to epoch and saved in every checkpoint, so a resumed run continues with the same counters.
 */
public record EpochRules(String monitor, double minDelta, int plateauPatience, double plateauFactor,
                         int earlyStoppingPatience) implements Serializable {

    public static EpochRules from(Config c) {
        return new EpochRules(c.string("train.monitor"), c.number("train.min-delta"), c.integer("train.plateau-patience"),
                c.number("train.plateau-factor"), c.integer("train.early-stopping-patience"));
    }

    public boolean active() {
        return plateauPatience > 0 || earlyStoppingPatience > 0;
    }

    /** Loss goes down, accuracy goes up. */
    public boolean lowerIsBetter() {
        return monitor.endsWith("loss");
    }

    public State start() {
        return new State(Double.NaN, 0, 0, 0, 1.0, false);
    }

    /**
     * @param best          best monitored value so far (NaN before the first epoch)
     * @param bestEpoch     the epoch that reached it
     * @param sinceBest     epochs since the best one (for early stopping)
     * @param sinceChange   epochs since the best one or the last rate reduction (for the plateau rule)
     * @param rateFactor    product of all plateau reductions, applied on top of the schedule
     * @param stop          early stopping has fired
     */
    public record State(double best, int bestEpoch, int sinceBest, int sinceChange, double rateFactor, boolean stop)
            implements Serializable {

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("best", Double.isNaN(best) ? null : best);
            m.put("best_epoch", bestEpoch);
            m.put("since_best", sinceBest);
            m.put("since_change", sinceChange);
            m.put("rate_factor", rateFactor);
            m.put("stop", stop);
            return m;
        }

        public static State fromMap(Map<String, Object> m) {
            Object best = m.get("best");
            return new State(best == null ? Double.NaN : ((Number) best).doubleValue(),
                    ((Number) m.get("best_epoch")).intValue(), ((Number) m.get("since_best")).intValue(),
                    ((Number) m.get("since_change")).intValue(), ((Number) m.get("rate_factor")).doubleValue(),
                    (Boolean) m.get("stop"));
        }
    }

    /** The state after an epoch that measured {@code value}. */
    public State after(State s, int epoch, double value) {
        boolean improved = Double.isNaN(s.best())
                || (lowerIsBetter() ? value < s.best() - minDelta : value > s.best() + minDelta);
        if (improved) {
            return new State(value, epoch, 0, 0, s.rateFactor(), false);
        }
        int sinceBest = s.sinceBest() + 1;
        int sinceChange = s.sinceChange() + 1;
        double factor = s.rateFactor();
        if (plateauPatience > 0 && sinceChange >= plateauPatience) {
            factor *= plateauFactor;
            sinceChange = 0;
        }
        boolean stop = earlyStoppingPatience > 0 && sinceBest >= earlyStoppingPatience;
        return new State(s.best(), s.bestEpoch(), sinceBest, sinceChange, factor, stop);
    }
}
