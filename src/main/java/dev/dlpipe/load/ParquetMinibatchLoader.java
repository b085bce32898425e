package dev.dlpipe.load;

import org.deeplearning4j.core.loader.DataSetLoader;
import org.nd4j.common.loader.Source;
import org.nd4j.linalg.dataset.DataSet;

/**
 * DL4J loader for the Spark file route: turns a {@link MinibatchRef} path into a DataSet by reading the shard
 * directly (through {@link BlockCache}); the stream DL4J offers is never opened.
 */
public final class ParquetMinibatchLoader implements DataSetLoader {

    private final int numClasses;

    /** {@code numClasses}: of the whole dataset (one shard of inferred layout may not hold the largest label). */
    public ParquetMinibatchLoader(int numClasses) {
        this.numClasses = numClasses;
    }

    @Override
    public DataSet load(Source source) {
        return load(source.getPath());
    }

    public DataSet load(String refString) {
        dev.dlpipe.core.ExecutorMemory.logOnce(); // on each executor, with its first minibatch
        MinibatchRef ref = MinibatchRef.parse(refString);
        DataSet ds = Batches.slice(BlockCache.get(ref.shard(), ref.rowGroup()), ref.from(), ref.rows(), numClasses);
        // read in place (the batch's off-heap buffer, as Batches filled it): no copy of every minibatch to the heap
        requireFinite(ds.getFeatures().data().asNio().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer(),
                ds.getFeatures().columns(), refString);
        return ds;
    }

    /**
     * NaN or Infinity in a feature is an error naming the shard and row: one such value makes the loss NaN and
     * the whole model useless. Files from other tools are where they come from; the scan is cheap next to a step.
     */
    static void requireFinite(java.nio.FloatBuffer features, long rowLength, String ref) {
        for (int i = 0, n = features.limit(); i < n; i++) {
            float v = features.get(i);
            if (!Float.isFinite(v)) {
                throw new dev.dlpipe.UserError(ref + ": row " + (i / rowLength) + " of this minibatch has a non-finite"
                        + " feature (" + v + " at index " + (i % rowLength) + "); clean the data or drop the row");
            }
        }
    }
}
