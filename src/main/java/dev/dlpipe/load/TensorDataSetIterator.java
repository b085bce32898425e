package dev.dlpipe.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.NoSuchElementException;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A DL4J iterator over the shards of one split, in order: shard by shard, row group by row group, one decoded
 * row group in memory at a time. Used for single-JVM training, evaluation and scoring.
 */
public final class TensorDataSetIterator implements DataSetIterator {

    private final ShardIndex index;
    private final int batchSize;
    private DataSetPreProcessor preProcessor;
    private int shard;
    private int rowGroup;
    private int offset;
    private TensorBlock block;

    public TensorDataSetIterator(ShardIndex index, int batchSize) {
        if (index.shards().isEmpty()) {
            throw new dev.dlpipe.core.UserError("no tensor shards in " + index.dir());
        }
        this.index = index;
        this.batchSize = batchSize;
    }

    @Override
    public boolean hasNext() {
        advance();
        return block != null;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int n = Math.min(num, block.rows() - offset);
        DataSet ds = Batches.slice(block, offset, n, index.spec().numClasses());
        offset += n;
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** Moves to the next row group with rows left, decoding it; leaves {@code block} null at the end. */
    private void advance() {
        while (block == null || offset >= block.rows()) {
            if (block != null) {
                block = null;
                rowGroup++;
            }
            List<ShardIndex.Shard> shards = index.shards();
            while (shard < shards.size() && rowGroup >= shards.get(shard).rowGroupRows().length) {
                shard++;
                rowGroup = 0;
            }
            if (shard >= shards.size()) {
                return;
            }
            try (TensorShardReader reader = new TensorShardReader(shards.get(shard).uri())) {
                block = reader.read(rowGroup);
                offset = 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public int inputColumns() {
        return index.spec().featureSize();
    }

    @Override
    public int totalOutcomes() {
        return index.spec().numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public void reset() {
        shard = 0;
        rowGroup = 0;
        offset = 0;
        block = null;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
