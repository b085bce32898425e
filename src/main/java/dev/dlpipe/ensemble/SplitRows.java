package dev.dlpipe.ensemble;

import dev.dlpipe.load.ParquetMinibatchLoader;
import dev.dlpipe.load.ShardIndex;
import dev.dlpipe.model.Network;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A validation or test split in one fixed row order (its minibatches in shard order): the labels, and any network's
 * probabilities for the rows in that order. Every member is scored in this order, so their arrays line up row by
 * row. These splits are small next to training; they are read on the driver.
 */
public final class SplitRows {

    /** Rows per minibatch when predicting. */
    static final int BATCH = 256;

    private final ShardIndex split;
    private final int numClasses;
    private final int[] labels;

    public SplitRows(ShardIndex split, int numClasses) {
        this.split = split;
        this.numClasses = numClasses;
        List<Integer> l = new ArrayList<>();
        for (String ref : refs()) {
            for (int y : new ParquetMinibatchLoader(numClasses).load(ref).getLabels().argMax(1).toIntVector()) {
                l.add(y);
            }
        }
        this.labels = l.stream().mapToInt(Integer::intValue).toArray();
    }

    public List<String> refs() {
        return split.minibatches(BATCH);
    }

    public int[] labels() {
        return labels;
    }

    public int rows() {
        return labels.length;
    }

    public float[][] probabilities(Network net) {
        float[][] out = new float[labels.length][];
        int at = 0;
        for (String ref : refs()) {
            DataSet ds = new ParquetMinibatchLoader(numClasses).load(ref);
            for (float[] row : net.output(ds.getFeatures()).toFloatMatrix()) {
                out[at++] = row;
            }
        }
        return out;
    }
}
