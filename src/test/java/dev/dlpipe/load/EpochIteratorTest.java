package dev.dlpipe.load;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.UserError;
import dev.dlpipe.tensor.TensorSpec;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/** Shuffling, last-batch handling, prefetch and reset of the epoch iterator, over the memory-mapped layout. */
class EpochIteratorTest {

    static final TensorSpec SPEC = new TensorSpec(1, 2, 3, "unit", 5);
    static final int ROWS = 1003;

    @TempDir
    Path dir;

    private MmapShard.Blocks shard(int rowsPerBlock) throws Exception {
        String d = dir.resolve("part-00000").toString();
        if (!dir.resolve("part-00000/meta.json").toFile().exists()) {
            try (MmapShard.Writer w = new MmapShard.Writer(d, SPEC)) {
                for (int i = 0; i < ROWS; i++) {
                    float[] f = new float[SPEC.featureSize()];
                    for (int j = 0; j < f.length; j++) {
                        f[j] = i + j / 10f; // the first feature is the row number
                    }
                    w.write(i % SPEC.numClasses(), f);
                }
            }
        }
        return new MmapShard.Blocks(d, rowsPerBlock);
    }

    /** Row numbers in the order the iterator produced them, checking each row's features and label. */
    private static List<Integer> epoch(EpochIterator it) {
        List<Integer> rows = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            float[] f = ds.getFeatures().dup('c').data().asFloat();
            for (int r = 0; r < ds.numExamples(); r++) {
                int row = Math.round(f[r * SPEC.featureSize()]);
                for (int j = 0; j < SPEC.featureSize(); j++) {
                    assertEquals(row + j / 10f, f[r * SPEC.featureSize() + j], 1e-4, "features of row " + row);
                }
                assertEquals(row % SPEC.numClasses(), ds.getLabels().getRow(r).argMax().getInt(0));
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    void inOrderReturnsEveryRowAcrossBlockBoundaries() throws Exception {
        List<Integer> rows = epoch(new EpochIterator(shard(100), BatchPolicy.inOrder(64)));
        assertEquals(ROWS, rows.size());
        for (int i = 0; i < ROWS; i++) {
            assertEquals(i, rows.get(i));
        }
    }

    @Test
    void reusedBatchBuffersGiveTheSameEpochsFromAFewArrays() throws Exception {
        BatchPolicy fresh = new BatchPolicy(40, true, 11, 100, false, 2);
        EpochIterator reference = new EpochIterator(shard(100), fresh);
        EpochIterator reusing = new EpochIterator(shard(100), fresh.withReusedBuffers());
        for (int e = 0; e < 2; e++) {
            Set<Object> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            List<Integer> rows = new ArrayList<>();
            while (reusing.hasNext()) {
                DataSet ds = reusing.next();
                arrays.add(ds.getFeatures());
                for (int r = 0; r < ds.numExamples(); r++) {
                    rows.add(Math.round(ds.getFeatures().getFloat(r, 0)));
                }
            }
            assertEquals(epoch(reference), rows, "epoch " + e);
            // 25 full batches and one partial: the full ones share at most prefetch + 2 arrays
            assertTrue(arrays.size() <= 2 + 2 + 1, "distinct feature arrays: " + arrays.size());
            reference.reset();
            reusing.reset();
        }
    }

    @Test
    void shuffleIsAPermutationFixedBySeedAndEpoch() throws Exception {
        BatchPolicy policy = new BatchPolicy(32, true, 7, 200, false, 0);
        EpochIterator it = new EpochIterator(shard(100), policy);
        List<Integer> first = epoch(it);
        assertEquals(ROWS, first.size());
        assertEquals(ROWS, new HashSet<>(first).size(), "every row exactly once");
        assertNotEquals(epoch(new EpochIterator(shard(100), BatchPolicy.inOrder(32))), first);
        assertEquals(first, epoch(new EpochIterator(shard(100), policy)), "same seed, same epoch: same order");
        it.reset();
        List<Integer> second = epoch(it);
        assertEquals(new HashSet<>(first), new HashSet<>(second));
        assertNotEquals(first, second, "the next epoch is shuffled differently");
    }

    @Test
    void prefetchGivesTheSameBatchesAndDropLastDropsThePartialOne() throws Exception {
        BatchPolicy plain = new BatchPolicy(50, true, 3, 64, false, 0);
        BatchPolicy prefetched = new BatchPolicy(50, true, 3, 64, false, 4);
        assertEquals(epoch(new EpochIterator(shard(128), plain)), epoch(new EpochIterator(shard(128), prefetched)));

        EpochIterator dropping = new EpochIterator(shard(128), new BatchPolicy(50, false, 0, 0, true, 2));
        int batches = 0;
        while (dropping.hasNext()) {
            assertEquals(50, dropping.next().numExamples());
            batches++;
        }
        assertEquals(ROWS / 50, batches);
        dropping.reset();
        assertTrue(dropping.hasNext(), "reset starts a new epoch");
    }

    @Test
    void aFailureOnThePrefetchThreadReachesTheConsumerEvenIfItIsAnError() throws Exception {
        MmapShard.Blocks good = shard(100);
        EpochIterator.Blocks failing = new EpochIterator.Blocks() {
            @Override
            public int count() {
                return good.count();
            }

            @Override
            public TensorBlock read(int index) {
                if (index == 3) {
                    throw new OutOfMemoryError("simulated");
                }
                return good.read(index);
            }

            @Override
            public TensorSpec spec() {
                return good.spec();
            }
        };
        EpochIterator it = new EpochIterator(failing, new BatchPolicy(50, false, 0, 0, false, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            while (it.hasNext()) {
                it.next();
            }
        });
        assertTrue(e.getMessage().contains("simulated"), e.getMessage());
    }

    @Test
    void truncatedOrIncompleteShardsAreNamed() throws Exception {
        shard(100);
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("part-00000/features.f32").toFile(), "rw")) {
            f.setLength(f.length() - 8);
        }
        UserError e = assertThrows(UserError.class, () -> new MmapShard.Blocks(dir.resolve("part-00000").toString(), 10));
        assertTrue(e.getMessage().contains("features.f32") && e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(UserError.class, () -> new MmapShard.Blocks(dir.resolve("nothing").toString(), 10));
    }

    @Test
    void setsOfRowsPerBlockDoNotChangeAnInOrderEpoch() throws Exception {
        Set<List<Integer>> orders = new HashSet<>();
        for (int block : new int[] {1, 7, 1003, 5000}) {
            orders.add(epoch(new EpochIterator(shard(block), BatchPolicy.inOrder(33))));
        }
        assertEquals(1, orders.size());
    }
}
