package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Learning-rate schedules, reduce-on-plateau and early stopping, as the pure functions the train stage applies. */
class EpochControlTest {

    @Test
    void schedulesGiveTheDocumentedRatePerEpoch() {
        assertEquals(0.1, new LearningRateSchedule("constant", 0.1, 0.5, 2, 0, 0, 10).rate(7), 1e-12);
        LearningRateSchedule step = new LearningRateSchedule("step", 0.1, 0.5, 2, 0, 0, 10);
        assertArrayEquals(new double[] {0.1, 0.1, 0.05, 0.05, 0.025}, rates(step, 5), 1e-12);
        LearningRateSchedule exp = new LearningRateSchedule("exponential", 0.1, 0.9, 2, 0, 0.05, 10);
        assertArrayEquals(new double[] {0.1, 0.09, 0.081, 0.0729, 0.06561, 0.059049, 0.0531441, 0.05}, rates(exp, 8), 1e-12,
                "exponential decay stops at the floor");
        // 2 warmup epochs ramp to the base, then cosine from base (epoch 3) to the floor (epoch 7)
        LearningRateSchedule cos = new LearningRateSchedule("cosine", 0.1, 0.5, 2, 2, 0.01, 7);
        double[] r = rates(cos, 7);
        assertEquals(0.1 / 3, r[0], 1e-12);
        assertEquals(0.2 / 3, r[1], 1e-12);
        assertEquals(0.1, r[2], 1e-12);
        assertEquals(0.01 + 0.09 * 0.5 * (1 + Math.cos(Math.PI / 4)), r[3], 1e-12);
        assertEquals(0.055, r[4], 1e-12, "halfway");
        assertEquals(0.01, r[6], 1e-12, "ends at the floor");
        for (int i = 3; i < 7; i++) {
            assertTrue(r[i] < r[i - 1], "cosine decreases after warmup");
        }
        assertThrows(IllegalArgumentException.class, () -> cos.rate(0));
    }

    private static double[] rates(LearningRateSchedule s, int n) {
        double[] r = new double[n];
        for (int e = 1; e <= n; e++) {
            r[e - 1] = s.rate(e);
        }
        return r;
    }

    @Test
    void plateauCutsTheRateAndEarlyStoppingFiresOnTheLossStalling() {
        EpochRules rules = new EpochRules("val_loss", 0.01, 2, 0.5, 3);
        EpochRules.State s = rules.start();
        double[] losses = {1.0, 0.8, 0.795, 0.81, 0.7, 0.71, 0.72, 0.73};
        double[] factors = new double[losses.length];
        boolean[] stops = new boolean[losses.length];
        for (int e = 1; e <= losses.length && !s.stop(); e++) {
            s = rules.after(s, e, losses[e - 1]);
            factors[e - 1] = s.rateFactor();
            stops[e - 1] = s.stop();
        }
        // epoch 3 improves by less than min-delta, epoch 4 is worse: a plateau of 2 -> factor 0.5
        assertArrayEquals(new double[] {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25}, factors, 1e-12);
        assertEquals(5, s.bestEpoch());
        assertEquals(0.7, s.best(), 1e-12);
        assertTrue(stops[7], "three epochs without improvement after epoch 5");
        assertFalse(stops[6]);
        assertEquals(s, EpochRules.State.fromMap(s.toMap()), "the state survives a checkpoint");
    }

    @Test
    void accuracyIsMonitoredUpwardsAndOffMeansOff() {
        EpochRules acc = new EpochRules("val_accuracy", 0.0, 0, 0.5, 1);
        EpochRules.State s = acc.after(acc.start(), 1, 0.9);
        s = acc.after(s, 2, 0.95);
        assertEquals(2, s.bestEpoch());
        assertFalse(s.stop());
        s = acc.after(s, 3, 0.94);
        assertTrue(s.stop());
        assertEquals(1.0, s.rateFactor(), "plateau patience 0 never changes the rate");

        EpochRules off = new EpochRules("val_loss", 0.0, 0, 0.5, 0);
        assertFalse(off.active());
        EpochRules.State o = off.start();
        for (int e = 1; e <= 20; e++) {
            o = off.after(o, e, 1.0);
        }
        assertFalse(o.stop());
        assertEquals(1.0, o.rateFactor());
    }
}
