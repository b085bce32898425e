package dev.dlpipe.ensemble;

import dev.dlpipe.load.MinibatchRef;
import dev.dlpipe.load.ParquetMinibatchLoader;
import java.util.SplittableRandom;
import org.deeplearning4j.core.loader.DataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A bagging member's view of the training split: every row appears Poisson(1) times (the Poisson bootstrap, as
 * Spark's random forest samples), drawn from (seed, member, minibatch, row) alone. So a member's sample does not
 * depend on partitions, executors or the order minibatches are fitted in, and a rerun draws the same sample. Over
 * many rows this is the classic bootstrap: about 63% of rows appear, some several times, sizes vary around the
 * original. A minibatch whose every count is 0 keeps its first row once (a training step needs a row).
 * Rows are keyed by shard file name, row group and row, so the sample does not depend on where the pack lies either.
 */
public final class PoissonBootstrap implements DataSetLoader {

    private static final double EXP_MINUS_ONE = Math.exp(-1);

    private final ParquetMinibatchLoader loader;
    private final long seed;
    private final int member;

    public PoissonBootstrap(int numClasses, long seed, int member) {
        this.loader = new ParquetMinibatchLoader(numClasses);
        this.seed = seed;
        this.member = member;
    }

    /**
     * How many times a row appears in member {@code member}'s sample: the row {@code row} of the minibatch that
     * starts at row {@code from} of row group {@code rowGroup} of shard file {@code shardName}. The shard's file name,
     * not its path, so a pack that moves (another run directory, another DAG run) draws the same sample.
     */
    public static int copies(long seed, int member, String shardName, int rowGroup, long from, int row) {
        long key = seed * 0x9E3779B97F4A7C15L + member;
        key = key * 0xBF58476D1CE4E5B9L + shardName.hashCode(); // String.hashCode is specified: the same on every JVM
        key = key * 0x94D049BB133111EBL + rowGroup;
        SplittableRandom r = new SplittableRandom(key * 0x9E3779B97F4A7C15L + from + row);
        int k = 0;
        double p = r.nextDouble();
        while (p > EXP_MINUS_ONE) { // Knuth's inversion for a small mean
            k++;
            p *= r.nextDouble();
        }
        return k;
    }

    @Override
    public DataSet load(Source source) {
        String ref = source.getPath();
        DataSet ds = loader.load(ref);
        MinibatchRef where = MinibatchRef.parse(ref);
        String shardName = where.shard().substring(where.shard().lastIndexOf('/') + 1);
        int rows = ds.numExamples();
        int total = 0;
        int[] counts = new int[rows];
        for (int i = 0; i < rows; i++) {
            counts[i] = copies(seed, member, shardName, where.rowGroup(), where.from(), i);
            total += counts[i];
        }
        if (total == 0) {
            counts[0] = 1;
            total = 1;
        }
        int[] picked = new int[total];
        for (int i = 0, at = 0; i < rows; i++) {
            for (int c = 0; c < counts[i]; c++) {
                picked[at++] = i;
            }
        }
        return new DataSet(rowsOf(ds.getFeatures(), picked), rowsOf(ds.getLabels(), picked),
                rowsOf(ds.getFeaturesMaskArray(), picked), rowsOf(ds.getLabelsMaskArray(), picked));
    }

    private static INDArray rowsOf(INDArray a, int[] picked) {
        return a == null ? null : a.getRows(picked);
    }
}
