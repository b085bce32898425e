package dev.dlpipe.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.TestSpark;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.image.TensorSpec;
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
        TrainSettings s = TrainSettings.from(ConfigLoader.load(List.of(), List.of("train.hidden-units=8",
                "train.hidden-layers=1", "train.batch-size=8", "train.workers=2", "train.averaging-frequency=2")));
        assertEquals(0, s.prefetch(), "the default loads on the task thread");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        DistributedTrainer trainer = new ParameterAveragingTrainer(jsc,
                ModelFactory.create(s, new TensorSpec(1, 4, 4, "unit", 3)), s);
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
        assertTrue(messages.toString().contains("corrupt or truncated"), messages.toString());
    }
}
