package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.model.Models;
import dev.dlpipe.model.Network;
import dev.dlpipe.tensor.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two routes of parameter averaging, one barrier stage per epoch (workers exchange states and each averages)
 * and one Spark job per round (the driver averages), give the same bits: parameters, Adam's state and the
 * iteration count, with an uneven last round where a worker has nothing to fit.
 */
class AveragingRoutesTest {

    /** Minibatches of 8 rows whose values are a function of the path: the same data on every route. */
    static class SeededLoader implements DataSetLoader {
        @Override
        public DataSet load(org.nd4j.common.loader.Source source) {
            Random r = new Random(source.getPath().hashCode());
            float[] x = new float[8 * 16];
            float[] y = new float[8 * 3];
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 16; j++) {
                    x[i * 16 + j] = (float) r.nextGaussian();
                }
                y[i * 3 + r.nextInt(3)] = 1f;
            }
            return new DataSet(Nd4j.create(x, new long[] {8, 16}), Nd4j.create(y, new long[] {8, 3}));
        }
    }

    /**
     * Fails once, on one minibatch, with an Error: thrown past the worker's own handling, as a lost executor fails a
     * barrier stage from outside it.
     */
    static final class FailsOnceLoader extends SeededLoader {
        static final java.util.concurrent.atomic.AtomicBoolean FAILED = new java.util.concurrent.atomic.AtomicBoolean();

        @Override
        public DataSet load(org.nd4j.common.loader.Source source) {
            if (source.getPath().equals("mb-6") && FAILED.compareAndSet(false, true)) {
                throw new AssertionError("simulated: the executor running this worker is lost");
            }
            return super.load(source);
        }
    }

    @Test
    void aBarrierStageSparkFailsRunsTheEpochAgainOneJobPerRoundToTheSameBits() throws Exception {
        TrainSettings s = settings();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<String> refs = refs();
        List<float[]> params = new ArrayList<>();
        for (boolean failing : new boolean[] {false, true}) {
            ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, ModelFactory.create(s, SPEC), s);
            FailsOnceLoader.FAILED.set(!failing);
            DataSetLoader loader = failing ? new FailsOnceLoader() : new SeededLoader();
            dev.dlpipe.ExpectedErrors.quietly("a barrier task fails once with a simulated lost executor", () -> {
                trainer.fitEpoch(jsc.parallelize(refs, 2), loader, 1);
                return null;
            });
            assertEquals(failing ? "one job per round: the barrier stage failed" : "one barrier stage",
                    trainer.lastRoute());
            assertTrue(FailsOnceLoader.FAILED.get());
            trainer.fitEpoch(jsc.parallelize(refs, 2), loader, 2);
            assertEquals("one barrier stage", trainer.lastRoute(), "the next epoch tries the barrier stage again");
            params.add(Models.floats(trainer.network().params()));
        }
        assertArrayEquals(params.get(0), params.get(1), "the rerun epoch starts where the failed one did");
    }

    @Test
    void workersThatCannotReachTheExchangeFallBackToOneJobPerRoundForTheRestOfTraining() throws Exception {
        TrainSettings s = settings();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<String> refs = refs();
        List<float[]> params = new ArrayList<>();
        for (boolean reachable : new boolean[] {true, false}) {
            ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, ModelFactory.create(s, SPEC), s);
            if (!reachable) {
                trainer.withUnreachableExchange();
            }
            dev.dlpipe.ExpectedErrors.quietly("barrier tasks cannot reach the driver's exchange", () -> {
                trainer.fitEpoch(jsc.parallelize(refs, 2), new SeededLoader(), 1);
                return null;
            });
            assertEquals(reachable ? "one barrier stage" : "one job per round: the barrier stage failed",
                    trainer.lastRoute());
            trainer.fitEpoch(jsc.parallelize(refs, 2), new SeededLoader(), 2);
            assertEquals(reachable ? "one barrier stage" : "one job per round: in an earlier epoch the "
                    + RoundExchange.UNREACHABLE, trainer.lastRoute(), "not tried again");
            params.add(Models.floats(trainer.network().params()));
        }
        assertArrayEquals(params.get(0), params.get(1));
    }

    /** Sealed frames (as under Spark's network encryption) change nothing in what the workers compute. */
    @Test
    void anEncryptedExchangeGivesTheSameBits() {
        TrainSettings s = settings();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<float[]> params = new ArrayList<>();
        for (boolean sealed : new boolean[] {false, true}) {
            ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, ModelFactory.create(s, SPEC), s);
            if (sealed) {
                trainer.withSealedExchange();
            }
            for (int epoch = 1; epoch <= 2; epoch++) {
                trainer.fitEpoch(jsc.parallelize(refs(), 2), new SeededLoader(), epoch);
            }
            assertEquals(sealed ? "one barrier stage, exchange encrypted" : "one barrier stage", trainer.lastRoute());
            params.add(Models.floats(trainer.network().params()));
            params.add(Models.floats(((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) trainer.network())
                    .getUpdater().getStateViewArray()));
        }
        assertArrayEquals(params.get(0), params.get(2), "parameters");
        assertArrayEquals(params.get(1), params.get(3), "Adam's state");
    }

    private static final TensorSpec SPEC = new TensorSpec(1, 4, 4, "unit", 3);

    private static TrainSettings settings() {
        return TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=12",
                "train.hidden-layers=2", "train.batch-size=8", "train.workers=2", "train.averaging-frequency=2")));
    }

    private static List<String> refs() {
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < 11; i++) { // rounds of 4 minibatches: the third has 3, worker 1 fits one
            refs.add("mb-" + i);
        }
        return refs;
    }

    @Test
    void oneBarrierStageEqualsOneJobPerRoundBitForBit() {
        TrainSettings s = settings();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        TensorSpec spec = SPEC;
        List<String> refs = refs();
        List<Network> trained = new ArrayList<>();
        for (boolean barrier : new boolean[] {true, false}) {
            Model net = ModelFactory.create(s, spec);
            ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc, net, s);
            if (!barrier) {
                trainer.oneJobPerRound();
            }
            for (int epoch = 1; epoch <= 2; epoch++) {
                trainer.fitEpoch(jsc.parallelize(refs, 2), new SeededLoader(), epoch);
            }
            assertEquals(barrier ? "one barrier stage" : "one job per round: one job per round was asked for",
                    trainer.lastRoute());
            trained.add(new Network(trainer.network()));
        }
        Network barrier = trained.get(0);
        Network rounds = trained.get(1);
        float[] before = Models.floats(ModelFactory.create(s, spec).params());
        float[] after = Models.floats(barrier.model().params());
        assertFalse(java.util.Arrays.equals(before, after), "training changed the parameters");
        assertArrayEquals(Models.floats(rounds.model().params()), after, "parameters");
        assertArrayEquals(Models.floats(ParameterAveragingTrainer.updaterState(rounds.model())),
                Models.floats(ParameterAveragingTrainer.updaterState(barrier.model())), "Adam's state");
        assertEquals(12, ParameterAveragingTrainer.iteration(barrier), "3 rounds of up to 2 steps, 2 epochs");
        assertEquals(ParameterAveragingTrainer.iteration(rounds), ParameterAveragingTrainer.iteration(barrier));
    }
}
