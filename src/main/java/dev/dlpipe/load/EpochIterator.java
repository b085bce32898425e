package dev.dlpipe.load;

import dev.dlpipe.tensor.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A DL4J iterator over any block source (Parquet row groups, memory-mapped windows): one epoch per
 * {@link #reset()}, with the {@link BatchPolicy}'s shuffling, last-batch rule and background prefetch.
 * With shuffling off it returns exactly the stored rows in order; with it on, every epoch is a permutation
 * that depends only on (seed, epoch).
 */
public final class EpochIterator implements DataSetIterator {

    /** Where blocks come from: how many there are, and the decoded block {@code i}. */
    public interface Blocks {
        int count();

        TensorBlock read(int index);

        TensorSpec spec();
    }

    private static final DataSet END = new DataSet();

    private final Blocks blocks;
    private final BatchPolicy policy;
    private DataSetPreProcessor preProcessor;
    private int epoch;
    private BatchProducer producer;
    private Thread thread;
    private BlockingQueue<Object> queue;
    private DataSet next;
    private INDArray handedOut; // the pooled features array of the batch the consumer holds

    public EpochIterator(Blocks blocks, BatchPolicy policy) {
        this.blocks = blocks;
        this.policy = policy;
        start();
    }

    private void start() {
        producer = new BatchProducer(blocks, policy, epoch, policy.reuseBuffers() ? new BatchPool(policy) : null);
        handedOut = null;
        next = null;
        if (policy.prefetch() > 0) {
            queue = new ArrayBlockingQueue<>(policy.prefetch());
            BatchProducer p = producer;
            BlockingQueue<Object> q = queue;
            thread = new Thread(() -> {
                try {
                    DataSet ds;
                    while ((ds = p.next()) != null) {
                        q.put(ds);
                    }
                    q.put(END);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Throwable e) { // Errors too: an OutOfMemoryError here must not leave the consumer waiting forever
                    q.clear();
                    q.offer(e instanceof RuntimeException re ? re
                            : new IllegalStateException("batch prefetch failed: " + e, e)); // the consumer rethrows it
                }
            }, "dlpipe-prefetch");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void stop() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                thread = null;
                return; // still copying from its block: unmapping that now could crash the JVM; the GC will do it
            }
            thread = null;
        }
        producer.finish();
    }

    @Override
    public boolean hasNext() {
        if (next == null) {
            next = take();
        }
        return next != END;
    }

    private DataSet take() {
        if (queue == null) {
            DataSet ds = producer.next();
            return ds == null ? END : ds;
        }
        try {
            Object o = queue.take();
            if (o instanceof RuntimeException e) {
                queue.offer(e);
                throw e;
            }
            if (o == END) {
                queue.offer(END); // hasNext() stays false until reset()
            }
            return (DataSet) o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next batch", e);
        }
    }

    @Override
    public DataSet next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        DataSet ds = next;
        next = null;
        if (handedOut != null) {
            producer.pool.free.offer(handedOut); // the consumer is done with its previous batch
            handedOut = null;
        }
        if (producer.pool != null && producer.pool.owns(ds.getFeatures())) {
            handedOut = ds.getFeatures();
        }
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next(int num) {
        return next();
    }

    @Override
    public void reset() {
        stop();
        epoch++;
        start();
    }

    @Override
    public int inputColumns() {
        return blocks.spec().featureSize();
    }

    @Override
    public int totalOutcomes() {
        return blocks.spec().numClasses();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false; // it prefetches itself; DL4J must not wrap it in another async iterator
    }

    @Override
    public int batch() {
        return policy.batchSize();
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

    /** Feature arrays for full batches: at most prefetch + 2 exist (queued, being filled, held by the consumer). */
    static final class BatchPool {
        final java.util.concurrent.BlockingQueue<INDArray> free;
        private final java.util.Set<INDArray> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private final int max;
        private final long batch;

        BatchPool(BatchPolicy policy) {
            this.max = policy.prefetch() + 2;
            this.free = new ArrayBlockingQueue<>(max);
            this.batch = policy.batchSize();
        }

        synchronized boolean owns(INDArray a) {
            return all.contains(a);
        }

        INDArray take(int featureSize) {
            INDArray a = free.poll();
            if (a != null) {
                return a;
            }
            synchronized (this) {
                if (all.size() < max) {
                    a = Nd4j.createUninitialized(DataType.FLOAT, batch, featureSize);
                    all.add(a);
                    return a;
                }
            }
            try {
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a free batch buffer", e);
            }
        }
    }

    /**
     * Produces one epoch's batches on the calling thread. Blocks are visited in (shuffled) order; with shuffling,
     * examples pass through a buffer of {@code shuffleBuffer} slots from which a random one is emitted as each new
     * one arrives.
     */
    static final class BatchProducer {
        private final Blocks blocks;
        private final BatchPolicy policy;
        private final List<Integer> order;
        private final Random random;
        private final int featureSize;
        private final int rowBytes;
        private final int classes;
        private int blockPos;
        private TensorBlock block;
        private int row;
        // shuffle buffer: example feature bytes and labels by slot
        private final ByteBuffer bufFeatures;
        private final int[] bufLabels;
        private int buffered;

        final BatchPool pool;

        BatchProducer(Blocks blocks, BatchPolicy policy, int epoch, BatchPool pool) {
            this.blocks = blocks;
            this.pool = pool;
            this.policy = policy;
            this.featureSize = blocks.spec().featureSize();
            this.rowBytes = featureSize * Float.BYTES;
            this.classes = blocks.spec().numClasses();
            this.order = new ArrayList<>();
            for (int i = 0; i < blocks.count(); i++) {
                order.add(i);
            }
            this.random = new Random(policy.seed() * 1_000_003L + epoch);
            if (policy.shuffle()) {
                Collections.shuffle(order, random);
            }
            int slots = policy.shuffle() ? Math.max(1, policy.shuffleBuffer()) : 0;
            this.bufFeatures = ByteBuffer.allocateDirect(slots * rowBytes);
            this.bufLabels = new int[slots];
        }

        /**
         * The next batch, or null at the end of the epoch. Rows are copied once, as bytes, from the block (a mapped
         * page run, say) straight into the off-heap buffer of the batch's features array.
         */
        DataSet next() {
            int batch = policy.batchSize();
            INDArray features = pool != null ? pool.take(featureSize)
                    : Nd4j.createUninitialized(DataType.FLOAT, batch, featureSize);
            ByteBuffer target = features.data().asNio();
            int[] labels = new int[batch];
            int n = 0;
            if (!policy.shuffle()) {
                while (n < batch && advance()) { // whole runs of rows from one block at a time
                    int run = Math.min(batch - n, block.rows() - row);
                    block.copyRows(row, run, target, n * rowBytes);
                    for (int i = 0; i < run; i++) {
                        labels[n + i] = block.label(row + i);
                    }
                    row += run;
                    n += run;
                }
            } else {
                while (n < batch && nextShuffled(target, labels, n)) {
                    n++;
                }
            }
            if (n == 0 || (n < batch && policy.dropLast())) {
                recycle(features);
                finish();
                return null;
            }
            if (n < batch) { // a partial batch gets its own array; the pooled one goes back
                INDArray full = features;
                features = features.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup('c');
                recycle(full);
            }
            return new DataSet(features, Batches.oneHot(labels, n, classes));
        }

        private void recycle(INDArray features) {
            if (pool != null) {
                pool.free.offer(features);
            }
        }

        /** Writes a random example of the shuffle buffer into row {@code i} of the batch; false at the end. */
        private boolean nextShuffled(ByteBuffer target, int[] labels, int i) {
            int slots = bufLabels.length;
            while (buffered < slots && advance()) { // fill the buffer
                block.copyRow(row, bufFeatures, buffered * rowBytes);
                bufLabels[buffered++] = block.label(row++);
            }
            if (buffered == 0) {
                return false;
            }
            int pick = random.nextInt(buffered);
            target.put(i * rowBytes, bufFeatures, pick * rowBytes, rowBytes);
            labels[i] = bufLabels[pick];
            buffered--; // move the last buffered example into the emitted slot
            bufFeatures.put(pick * rowBytes, bufFeatures, buffered * rowBytes, rowBytes);
            bufLabels[pick] = bufLabels[buffered];
            return true;
        }

        /** Makes sure {@code block[row]} is a valid example; false when every block has been read. */
        private boolean advance() {
            while (block == null || row >= block.rows()) {
                if (block != null) {
                    block.release(); // every row of it has been copied out
                    block = null;
                }
                if (blockPos >= order.size()) {
                    return false;
                }
                block = blocks.read(order.get(blockPos++));
                row = 0;
            }
            return true;
        }

        /** Releases the current block when an epoch ends early (drop-last) or is abandoned. */
        void finish() {
            if (block != null) {
                block.release();
                block = null;
            }
        }
    }
}
