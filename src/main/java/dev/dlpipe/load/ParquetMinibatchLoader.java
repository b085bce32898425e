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
        return Batches.slice(BlockCache.get(ref.shard(), ref.rowGroup()), ref.from(), ref.rows(), numClasses);
    }
}
