package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.tensor.TensorSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.junit.jupiter.api.Test;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A minibatch that cannot be loaded fails the Spark job with the loader's message instead of hanging it. With DL4J's
 * own prefetch (train.prefetch > 0) the same failure leaves the worker waiting forever in 1.0.0-M2, which is why the
 * default is 0.
 */
class TrainerFailureTest {

    /** Random minibatches, except for the path "bad", which fails the way a corrupt shard does. */
    static final class FlakyLoader implements DataSetLoader {
        @Override
        public DataSet load(Source source) {
            if (source.getPath().equals("bad")) {
                throw new IllegalStateException("bad: cannot read row group 0 (corrupt or truncated?)");
            }
            return new DataSet(Nd4j.rand(DataType.FLOAT, 8, 16), Nd4j.eye(8).getColumns(0, 1, 2).dup());
        }
    }

    @Test
    void aLoaderErrorFailsTheEpochWithItsMessage() throws Exception {
        assertEquals(0, TrainSettings.from(ConfigLoader.load(List.of(), List.of())).prefetch(),
                "the default loads on the task thread");
        for (boolean barrier : new boolean[] {true, false}) { // one barrier stage per epoch, one job per round
            for (String prefetch : List.of("0", "2")) { // on the task thread, and ahead on a second thread
                aLoaderErrorFailsTheEpoch(prefetch, barrier);
            }
        }
    }

    private void aLoaderErrorFailsTheEpoch(String prefetch, boolean barrier) throws Exception {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=8",
                "train.hidden-layers=1", "train.batch-size=8", "train.workers=2", "train.averaging-frequency=2",
                "train.prefetch=" + prefetch)));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc,
                ModelFactory.create(s, new TensorSpec(1, 4, 4, "unit", 3)), s);
        if (!barrier) {
            trainer.oneJobPerRound();
        }
        List<String> refs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            refs.add(i == 7 ? "bad" : "ok-" + i);
        }
        Exception e = dev.dlpipe.ExpectedErrors.quietly("a Spark task fails on the corrupt minibatch 'bad'",
                () -> assertTimeoutPreemptively(Duration.ofSeconds(120), () -> assertThrows(Exception.class,
                        () -> trainer.fitEpoch(jsc.parallelize(refs, 2), new FlakyLoader(), 1))));
        Throwable t = e;
        StringBuilder messages = new StringBuilder();
        while (t != null) {
            messages.append(t.getMessage()).append('\n');
            t = t.getCause();
        }
        assertTrue(messages.toString().contains("corrupt or truncated"), "prefetch " + prefetch + ", barrier " + barrier
                + ": " + messages);
        assertEquals(barrier ? "one barrier stage" : "one job per round: one job per round was asked for",
                trainer.lastRoute());
    }

    /**
     * The same corrupt minibatch during evaluation: DL4J's Spark evaluation hung here for ever (its async iterator's
     * thread died). Evaluation and loss now fail the job with the loader's message, well within the timeout.
     */
    @Test
    void aLoaderErrorDuringEvaluationFailsInsteadOfHanging() throws Exception {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=8",
                "train.hidden-layers=1", "train.batch-size=8", "train.workers=2")));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        DistributedTrainer trainer = new ParameterAveragingTrainer(jsc,
                ModelFactory.create(s, new TensorSpec(1, 4, 4, "unit", 3)), s);
        List<String> refs = List.of("ok-1", "ok-2", "bad", "ok-3");
        for (String what : List.of("evaluate", "loss")) {
            Exception e = dev.dlpipe.ExpectedErrors.quietly("evaluation fails on the corrupt minibatch 'bad'",
                    () -> assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(Exception.class, () -> {
                        if (what.equals("evaluate")) {
                            trainer.evaluate(jsc.parallelize(refs, 2), new FlakyLoader(),
                                    new org.nd4j.evaluation.classification.Evaluation(3));
                        } else {
                            trainer.loss(jsc.parallelize(refs, 2), new FlakyLoader());
                        }
                    })));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertTrue(messages.toString().contains("bad: cannot read row group 0"), what + ": " + messages);
        }
        // and without the bad minibatch both work, merged over partitions
        var eval = (org.nd4j.evaluation.classification.Evaluation) trainer.evaluate(jsc.parallelize(
                List.of("ok-1", "ok-2", "ok-3"), 2), new FlakyLoader(), new org.nd4j.evaluation.classification.Evaluation(3))[0];
        assertEquals(24, eval.getNumRowCounter(), "3 minibatches of 8 rows");
        assertTrue(Double.isFinite(trainer.loss(jsc.parallelize(List.of("ok-1", "ok-2"), 2), new FlakyLoader())));
    }

    /** Finite but huge inputs (3e38) overflow the loss: the first such step stops the epoch, naming it. */
    @Test
    void aNonFiniteLossStopsTrainingAtTheStep() throws Exception {
        aNonFiniteLossStopsTrainingAtTheStep(true);
        aNonFiniteLossStopsTrainingAtTheStep(false);
    }

    private void aNonFiniteLossStopsTrainingAtTheStep(boolean barrier) throws Exception {
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=8",
                "train.hidden-layers=1", "train.batch-size=8", "train.workers=2", "train.averaging-frequency=2")));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        ParameterAveragingTrainer trainer = new ParameterAveragingTrainer(jsc,
                ModelFactory.create(s, new TensorSpec(1, 4, 4, "unit", 3)), s);
        if (!barrier) {
            trainer.oneJobPerRound();
        }
        DataSetLoader huge = source -> new DataSet(Nd4j.rand(DataType.FLOAT, 8, 16).muli(3e38f),
                Nd4j.eye(8).getColumns(0, 1, 2).dup());
        List<String> refs = List.of("a", "b", "c", "d");
        Exception e = dev.dlpipe.ExpectedErrors.quietly("training diverges on inputs of 3e38",
                () -> assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(Exception.class,
                        () -> trainer.fitEpoch(jsc.parallelize(refs, 2), huge, 3))));
        assertEquals(barrier ? "one barrier stage" : "one job per round: one job per round was asked for",
                trainer.lastRoute());
        dev.dlpipe.UserError user = dev.dlpipe.cli.Main.userError(e);
        assertNotNull(user, "a user error the CLI prints in one line: " + e);
        assertTrue(user.getMessage().startsWith("training diverged: the loss became ") && user.getMessage()
                .contains(" in epoch 3 at training step 1 (8 rows)"), user.getMessage());
    }

    @Test
    void theLoaderRefusesNonFiniteFeaturesNamingTheMinibatch() {
        dev.dlpipe.load.ParquetMinibatchLoaderAccess.requireFinite(new float[] {1, 2, 3, 4}, 2, "s#rg=0");
        var e = assertThrows(dev.dlpipe.UserError.class, () -> dev.dlpipe.load.ParquetMinibatchLoaderAccess
                .requireFinite(new float[] {1, 2, 3, Float.NaN}, 2, "file:/p/part-0.parquet#rg=0,from=0,n=2"));
        assertEquals("file:/p/part-0.parquet#rg=0,from=0,n=2: row 1 of this minibatch has a non-finite feature (NaN at"
                + " index 1); clean the data or drop the row", e.getMessage());
    }
}
