package dev.dlpipe.ensemble;

import dev.dlpipe.core.Eta;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.model.Network;
import dev.dlpipe.tensor.TensorSpec;
import dev.dlpipe.train.ClassWeights;
import dev.dlpipe.train.DistributedTrainer;
import dev.dlpipe.train.EpochLoop;
import dev.dlpipe.train.ModelFactory;
import dev.dlpipe.train.ParameterAveragingTrainer;
import dev.dlpipe.train.TrainSettings;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bagging: N networks of train.model, each with its own seed (initial weights, dropout, shuffle) and its own
 * {@link PoissonBootstrap} sample of the training split (or, without bootstrap, all of it: a "deep ensemble" that
 * differs by seed only), trained one after another in this Spark application through the same
 * {@link DistributedTrainer} the train stage uses.
 */
final class BaggedNetworks {

    private static final Logger LOG = LoggerFactory.getLogger(BaggedNetworks.class);

    private BaggedNetworks() {
    }

    /** Member {@code m}'s seed: apart from the train stage's own (run.seed) and from every other member's. */
    static long seed(long runSeed, int member) {
        return runSeed + 7919L * (member + 1);
    }

    static List<Network> train(JavaSparkContext jsc, TrainSettings s, TensorSpec spec, ShardIndex train, int members,
                               int epochs, boolean bootstrap, double[] classWeights,
                               java.util.function.Consumer<Model> initialize) {
        List<Network> out = new ArrayList<>();
        List<String> batches = train.minibatches(s.batchSize());
        long start = System.nanoTime();
        for (int m = 0; m < members; m++) {
            TrainSettings ms = s.member(seed(s.seed(), m), epochs);
            Model net = ModelFactory.create(ms, spec);
            if (classWeights != null) {
                ClassWeights.apply(net, classWeights);
            }
            initialize.accept(net);
            DistributedTrainer trainer = new ParameterAveragingTrainer(jsc, net, ms);
            org.deeplearning4j.core.loader.DataSetLoader sample = bootstrap
                    ? new PoissonBootstrap(spec.numClasses(), s.seed(), m)
                    : new dev.dlpipe.load.ParquetMinibatchLoader(spec.numClasses());
            for (int epoch = 1; epoch <= epochs; epoch++) {
                EpochLoop.fit(trainer, jsc, batches, sample, ms, EpochLoop.Purpose.TRAIN, epoch, ms.schedule().rate(epoch));
                LOG.info("[ensemble] bagged network {}/{}: epoch {}/{} done, ETA {}", m + 1, members, epoch, epochs,
                        Eta.of(m * epochs + epoch, members * epochs, start));
            }
            out.add(new Network(trainer.network()));
        }
        return out;
    }
}
